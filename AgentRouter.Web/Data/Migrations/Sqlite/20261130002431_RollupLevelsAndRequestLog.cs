using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AgentRouter.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RollupLevelsAndRequestLog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "LatencyRollupsHourly",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    HourUtc = table.Column<long>(type: "INTEGER", nullable: false),
                    ProviderAccountId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Model = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Requests = table.Column<long>(type: "INTEGER", nullable: false),
                    Latency = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    FirstByteRequests = table.Column<long>(type: "INTEGER", nullable: false),
                    FirstByte = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LatencyRollupsHourly", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "UsageRollupsDaily",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Day = table.Column<DateOnly>(type: "TEXT", nullable: false),
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
                    CostNanoUsd = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UsageRollupsDaily", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Usage_Agent_At",
                table: "Usage",
                columns: new[] { "Agent", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_Usage_Error_At",
                table: "Usage",
                columns: new[] { "Error", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_Usage_ProviderAccountId_At",
                table: "Usage",
                columns: new[] { "ProviderAccountId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_Usage_RequestedModel_At",
                table: "Usage",
                columns: new[] { "RequestedModel", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_Usage_Status_At",
                table: "Usage",
                columns: new[] { "Status", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_LatencyRollupsHourly_HourUtc_ProviderAccountId_Model",
                table: "LatencyRollupsHourly",
                columns: new[] { "HourUtc", "ProviderAccountId", "Model" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_UsageRollupsDaily_Day_TeamId_DeveloperId_Agent_RequestedModel_UpstreamModel_Billing",
                table: "UsageRollupsDaily",
                columns: new[] { "Day", "TeamId", "DeveloperId", "Agent", "RequestedModel", "UpstreamModel", "Billing" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_UsageRollupsDaily_TeamId_Day",
                table: "UsageRollupsDaily",
                columns: new[] { "TeamId", "Day" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "LatencyRollupsHourly");

            migrationBuilder.DropTable(
                name: "UsageRollupsDaily");

            migrationBuilder.DropIndex(
                name: "IX_Usage_Agent_At",
                table: "Usage");

            migrationBuilder.DropIndex(
                name: "IX_Usage_Error_At",
                table: "Usage");

            migrationBuilder.DropIndex(
                name: "IX_Usage_ProviderAccountId_At",
                table: "Usage");

            migrationBuilder.DropIndex(
                name: "IX_Usage_RequestedModel_At",
                table: "Usage");

            migrationBuilder.DropIndex(
                name: "IX_Usage_Status_At",
                table: "Usage");
        }
    }
}
