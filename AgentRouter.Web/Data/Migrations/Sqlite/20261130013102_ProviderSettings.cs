using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AgentRouter.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ProviderSettings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Settings",
                table: "ProviderAccounts",
                type: "TEXT",
                maxLength: 4000,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Settings",
                table: "ProviderAccounts");
        }
    }
}
