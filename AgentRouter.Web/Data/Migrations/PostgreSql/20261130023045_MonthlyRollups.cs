using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace AgentRouter.Web.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class MonthlyRollups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "UsageRollupsMonthly",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Month = table.Column<DateOnly>(type: "date", nullable: false),
                    TeamId = table.Column<Guid>(type: "uuid", nullable: false),
                    DeveloperId = table.Column<Guid>(type: "uuid", nullable: false),
                    Agent = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    RequestedModel = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    UpstreamModel = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Billing = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Requests = table.Column<long>(type: "bigint", nullable: false),
                    Errors = table.Column<long>(type: "bigint", nullable: false),
                    InputTokens = table.Column<long>(type: "bigint", nullable: false),
                    OutputTokens = table.Column<long>(type: "bigint", nullable: false),
                    CacheWriteTokens = table.Column<long>(type: "bigint", nullable: false),
                    CacheReadTokens = table.Column<long>(type: "bigint", nullable: false),
                    CostNanoUsd = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UsageRollupsMonthly", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_UsageRollupsDaily_Day_TeamId_CostNanoUsd",
                table: "UsageRollupsDaily",
                columns: new[] { "Day", "TeamId", "CostNanoUsd" });

            migrationBuilder.CreateIndex(
                name: "IX_UsageRollupsMonthly_Month_TeamId_DeveloperId_Agent_Requeste~",
                table: "UsageRollupsMonthly",
                columns: new[] { "Month", "TeamId", "DeveloperId", "Agent", "RequestedModel", "UpstreamModel", "Billing" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_UsageRollupsMonthly_TeamId_Month",
                table: "UsageRollupsMonthly",
                columns: new[] { "TeamId", "Month" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "UsageRollupsMonthly");

            migrationBuilder.DropIndex(
                name: "IX_UsageRollupsDaily_Day_TeamId_CostNanoUsd",
                table: "UsageRollupsDaily");
        }
    }
}
