using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AgentRouter.Web.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class Failover : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Attempts",
                table: "Usage",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "Failovers",
                table: "Usage",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Priority",
                table: "ModelEntries",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "Weight",
                table: "ModelEntries",
                type: "integer",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.CreateTable(
                name: "ModelTargets",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    ModelEntryId = table.Column<Guid>(type: "uuid", nullable: false),
                    Position = table.Column<int>(type: "integer", nullable: false),
                    ProviderAccountId = table.Column<Guid>(type: "uuid", nullable: false),
                    UpstreamModel = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Priority = table.Column<int>(type: "integer", nullable: false),
                    Weight = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ModelTargets", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ModelTargets_ModelEntries_ModelEntryId",
                        column: x => x.ModelEntryId,
                        principalTable: "ModelEntries",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ModelTargets_ProviderAccounts_ProviderAccountId",
                        column: x => x.ProviderAccountId,
                        principalTable: "ProviderAccounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ModelTargets_ModelEntryId_Position",
                table: "ModelTargets",
                columns: new[] { "ModelEntryId", "Position" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ModelTargets_ProviderAccountId",
                table: "ModelTargets",
                column: "ProviderAccountId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ModelTargets");

            migrationBuilder.DropColumn(
                name: "Attempts",
                table: "Usage");

            migrationBuilder.DropColumn(
                name: "Failovers",
                table: "Usage");

            migrationBuilder.DropColumn(
                name: "Priority",
                table: "ModelEntries");

            migrationBuilder.DropColumn(
                name: "Weight",
                table: "ModelEntries");
        }
    }
}
