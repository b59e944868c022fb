using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AgentRouter.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class PriceSheets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "CacheWrite1hTokens",
                table: "Usage",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<bool>(
                name: "LongContext",
                table: "Usage",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<long>(
                name: "WebSearchRequests",
                table: "Usage",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateTable(
                name: "CatalogPrices",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Model = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    EffectiveFrom = table.Column<long>(type: "INTEGER", nullable: false),
                    InputPerMTok = table.Column<decimal>(type: "TEXT", precision: 18, scale: 6, nullable: false),
                    OutputPerMTok = table.Column<decimal>(type: "TEXT", precision: 18, scale: 6, nullable: false),
                    CacheWrite5mPerMTok = table.Column<decimal>(type: "TEXT", precision: 18, scale: 6, nullable: false),
                    CacheWrite1hPerMTok = table.Column<decimal>(type: "TEXT", precision: 18, scale: 6, nullable: false),
                    CacheReadPerMTok = table.Column<decimal>(type: "TEXT", precision: 18, scale: 6, nullable: false),
                    LongContextThreshold = table.Column<long>(type: "INTEGER", nullable: true),
                    LongInputPerMTok = table.Column<decimal>(type: "TEXT", precision: 18, scale: 6, nullable: true),
                    LongOutputPerMTok = table.Column<decimal>(type: "TEXT", precision: 18, scale: 6, nullable: true),
                    LongCacheWrite5mPerMTok = table.Column<decimal>(type: "TEXT", precision: 18, scale: 6, nullable: true),
                    LongCacheWrite1hPerMTok = table.Column<decimal>(type: "TEXT", precision: 18, scale: 6, nullable: true),
                    LongCacheReadPerMTok = table.Column<decimal>(type: "TEXT", precision: 18, scale: 6, nullable: true),
                    WebSearchPer1K = table.Column<decimal>(type: "TEXT", precision: 18, scale: 6, nullable: false),
                    CodeExecutionPerHour = table.Column<decimal>(type: "TEXT", precision: 18, scale: 6, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CatalogPrices", x => x.Id);
                    table.ForeignKey(
                        name: "FK_CatalogPrices_Catalog_Model",
                        column: x => x.Model,
                        principalTable: "Catalog",
                        principalColumn: "Model",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_CatalogPrices_Model_EffectiveFrom",
                table: "CatalogPrices",
                columns: new[] { "Model", "EffectiveFrom" },
                unique: true);

            // Existing entries migrate unchanged: one sheet each, in force since the entry was last set, and one-hour
            // cache writes at the single cache-write price every cache write was costed at before.
            migrationBuilder.Sql("""
                INSERT INTO "CatalogPrices" ("Model", "EffectiveFrom", "InputPerMTok", "OutputPerMTok", "CacheWrite5mPerMTok", "CacheWrite1hPerMTok",
                    "CacheReadPerMTok", "WebSearchPer1K", "CodeExecutionPerHour")
                SELECT "Model", "UpdatedAt", "InputPerMTok", "OutputPerMTok", "CacheWritePerMTok", "CacheWritePerMTok", "CacheReadPerMTok", '0.0', '0.0'
                FROM "Catalog";
                """);

            migrationBuilder.DropColumn(
                name: "CacheReadPerMTok",
                table: "Catalog");

            migrationBuilder.DropColumn(
                name: "CacheWritePerMTok",
                table: "Catalog");

            migrationBuilder.DropColumn(
                name: "InputPerMTok",
                table: "Catalog");

            migrationBuilder.DropColumn(
                name: "OutputPerMTok",
                table: "Catalog");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "CacheWrite1hTokens",
                table: "Usage");

            migrationBuilder.DropColumn(
                name: "LongContext",
                table: "Usage");

            migrationBuilder.DropColumn(
                name: "WebSearchRequests",
                table: "Usage");

            migrationBuilder.AddColumn<decimal>(
                name: "CacheReadPerMTok",
                table: "Catalog",
                type: "TEXT",
                precision: 18,
                scale: 6,
                nullable: false,
                defaultValue: 0m);

            migrationBuilder.AddColumn<decimal>(
                name: "CacheWritePerMTok",
                table: "Catalog",
                type: "TEXT",
                precision: 18,
                scale: 6,
                nullable: false,
                defaultValue: 0m);

            migrationBuilder.AddColumn<decimal>(
                name: "InputPerMTok",
                table: "Catalog",
                type: "TEXT",
                precision: 18,
                scale: 6,
                nullable: false,
                defaultValue: 0m);

            migrationBuilder.AddColumn<decimal>(
                name: "OutputPerMTok",
                table: "Catalog",
                type: "TEXT",
                precision: 18,
                scale: 6,
                nullable: false,
                defaultValue: 0m);

            migrationBuilder.Sql("""
                UPDATE "Catalog" SET
                    "InputPerMTok" = (SELECT p."InputPerMTok" FROM "CatalogPrices" p WHERE p."Model" = "Catalog"."Model" ORDER BY p."EffectiveFrom" DESC LIMIT 1),
                    "OutputPerMTok" = (SELECT p."OutputPerMTok" FROM "CatalogPrices" p WHERE p."Model" = "Catalog"."Model" ORDER BY p."EffectiveFrom" DESC LIMIT 1),
                    "CacheWritePerMTok" = (SELECT p."CacheWrite5mPerMTok" FROM "CatalogPrices" p WHERE p."Model" = "Catalog"."Model" ORDER BY p."EffectiveFrom" DESC LIMIT 1),
                    "CacheReadPerMTok" = (SELECT p."CacheReadPerMTok" FROM "CatalogPrices" p WHERE p."Model" = "Catalog"."Model" ORDER BY p."EffectiveFrom" DESC LIMIT 1)
                WHERE EXISTS (SELECT 1 FROM "CatalogPrices" p WHERE p."Model" = "Catalog"."Model");
                """);

            migrationBuilder.DropTable(
                name: "CatalogPrices");
        }
    }
}
