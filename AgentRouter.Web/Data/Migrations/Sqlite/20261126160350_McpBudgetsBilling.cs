using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AgentRouter.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class McpBudgetsBilling : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "OverBudget",
                table: "Usage",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<long>(
                name: "SecretRotatedAt",
                table: "McpServers",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "Invoices",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Month = table.Column<string>(type: "TEXT", maxLength: 7, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    TimeZone = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    PeriodStart = table.Column<long>(type: "INTEGER", nullable: false),
                    PeriodEnd = table.Column<long>(type: "INTEGER", nullable: false),
                    ComputedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ClosedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Invoices", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "McpCalls",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    RequestId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    TeamId = table.Column<Guid>(type: "TEXT", nullable: false),
                    DeveloperId = table.Column<Guid>(type: "TEXT", nullable: true),
                    ApiKeyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Agent = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ServerId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Server = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Tool = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Status = table.Column<int>(type: "INTEGER", nullable: false),
                    Outcome = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Error = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    LatencyMs = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_McpCalls", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RollupWatermarks",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    LastUsageId = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RollupWatermarks", x => x.Name);
                });

            migrationBuilder.CreateTable(
                name: "UsageRollupsHourly",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    HourUtc = table.Column<long>(type: "INTEGER", nullable: false),
                    TeamId = table.Column<Guid>(type: "TEXT", nullable: false),
                    DeveloperId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Agent = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    RequestedModel = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    UpstreamModel = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Billing = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Requests = table.Column<long>(type: "INTEGER", nullable: false),
                    Errors = table.Column<long>(type: "INTEGER", nullable: false),
                    InputTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    OutputTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    CacheWriteTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    CacheReadTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    CostUsd = table.Column<decimal>(type: "TEXT", precision: 18, scale: 9, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UsageRollupsHourly", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "InvoiceLines",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    InvoiceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    TeamId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Team = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Agent = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    DeveloperId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Developer = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Central_CacheReadTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    Central_CacheWriteTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    Central_CostUsd = table.Column<decimal>(type: "TEXT", precision: 18, scale: 9, nullable: false),
                    Central_InputTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    Central_OutputTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    Central_Requests = table.Column<long>(type: "INTEGER", nullable: false),
                    Passthrough_CacheReadTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    Passthrough_CacheWriteTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    Passthrough_CostUsd = table.Column<decimal>(type: "TEXT", precision: 18, scale: 9, nullable: false),
                    Passthrough_InputTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    Passthrough_OutputTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    Passthrough_Requests = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_InvoiceLines", x => x.Id);
                    table.ForeignKey(
                        name: "FK_InvoiceLines_Invoices_InvoiceId",
                        column: x => x.InvoiceId,
                        principalTable: "Invoices",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_InvoiceLines_InvoiceId_TeamId",
                table: "InvoiceLines",
                columns: new[] { "InvoiceId", "TeamId" });

            migrationBuilder.CreateIndex(
                name: "IX_Invoices_Month",
                table: "Invoices",
                column: "Month",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_McpCalls_At",
                table: "McpCalls",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_McpCalls_DeveloperId_At",
                table: "McpCalls",
                columns: new[] { "DeveloperId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_McpCalls_TeamId_At",
                table: "McpCalls",
                columns: new[] { "TeamId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_UsageRollupsHourly_HourUtc_TeamId_DeveloperId_Agent_RequestedModel_UpstreamModel_Billing",
                table: "UsageRollupsHourly",
                columns: new[] { "HourUtc", "TeamId", "DeveloperId", "Agent", "RequestedModel", "UpstreamModel", "Billing" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_UsageRollupsHourly_TeamId_HourUtc",
                table: "UsageRollupsHourly",
                columns: new[] { "TeamId", "HourUtc" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "InvoiceLines");

            migrationBuilder.DropTable(
                name: "McpCalls");

            migrationBuilder.DropTable(
                name: "RollupWatermarks");

            migrationBuilder.DropTable(
                name: "UsageRollupsHourly");

            migrationBuilder.DropTable(
                name: "Invoices");

            migrationBuilder.DropColumn(
                name: "OverBudget",
                table: "Usage");

            migrationBuilder.DropColumn(
                name: "SecretRotatedAt",
                table: "McpServers");
        }
    }
}
