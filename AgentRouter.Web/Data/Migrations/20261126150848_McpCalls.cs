using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AgentRouter.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class McpCalls : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "SecretRotatedAt",
                table: "McpServers",
                type: "INTEGER",
                nullable: true);

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
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "McpCalls");

            migrationBuilder.DropColumn(
                name: "SecretRotatedAt",
                table: "McpServers");
        }
    }
}
