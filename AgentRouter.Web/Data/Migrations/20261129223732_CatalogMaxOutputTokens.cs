using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AgentRouter.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class CatalogMaxOutputTokens : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "MaxOutputTokens",
                table: "Catalog",
                type: "INTEGER",
                nullable: true);

            // The built-in sandbox models get the limits they are seeded with on a fresh store.
            migrationBuilder.Sql("UPDATE \"Catalog\" SET \"MaxOutputTokens\" = 64000 WHERE \"Model\" = 'sandbox-claude' AND \"MaxOutputTokens\" IS NULL;");
            migrationBuilder.Sql("UPDATE \"Catalog\" SET \"MaxOutputTokens\" = 16384 WHERE \"Model\" = 'sandbox-gpt' AND \"MaxOutputTokens\" IS NULL;");
            migrationBuilder.Sql("UPDATE \"Catalog\" SET \"MaxOutputTokens\" = 65536 WHERE \"Model\" = 'sandbox-gemini' AND \"MaxOutputTokens\" IS NULL;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "MaxOutputTokens",
                table: "Catalog");
        }
    }
}
