"""The catalogue: `items` (one row per product), `item_models` (its variations with price and stock; model 0
for a product without variations) and `stock_history` (the last stock and price read per variation and day).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "item_models",
        sa.Column("item_id", sa.BigInteger(), nullable=False, comment="The product"),
        sa.Column(
            "model_id", sa.BigInteger(), nullable=False, comment="The variation (0: the product has none)"
        ),
        sa.Column("shop_id", sa.BigInteger(), nullable=False, comment="The shop"),
        sa.Column(
            "update_time",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="The product's update_time this row was read with",
        ),
        sa.Column(
            "model_sku",
            sa.Text(),
            nullable=True,
            comment="The variation's SKU (model 0: the product's item_sku)",
        ),
        sa.Column(
            "model_status",
            sa.Text(),
            nullable=True,
            comment="MODEL_NORMAL (sellable) or MODEL_UNAVAILABLE (model 0: NULL)",
        ),
        sa.Column(
            "tier_index",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=True,
            comment="Positions of the variation's options in the item's tier_variation",
        ),
        sa.Column("currency", sa.Text(), nullable=True, comment="price_info.currency"),
        sa.Column(
            "original_price",
            sa.Numeric(),
            nullable=True,
            comment="price_info.original_price: the price before promotions, in the shop's currency",
        ),
        sa.Column(
            "current_price",
            sa.Numeric(),
            nullable=True,
            comment=(
                "price_info.current_price: the price a buyer pays now (promotion included), in the shop's "
                "currency"
            ),
        ),
        sa.Column(
            "stock",
            sa.Integer(),
            nullable=True,
            comment="Units available to sell (stock_info_v2.summary_info.total_available_stock)",
        ),
        sa.Column(
            "reserved_stock",
            sa.Integer(),
            nullable=True,
            comment="stock_info_v2.summary_info.total_reserved_stock (promotion reserve)",
        ),
        sa.Column(
            "seller_stock",
            sa.Integer(),
            nullable=True,
            comment="Sum of stock_info_v2.seller_stock[].stock (the seller's warehouses)",
        ),
        sa.Column(
            "shopee_stock",
            sa.Integer(),
            nullable=True,
            comment="Sum of stock_info_v2.shopee_stock[].stock (Shopee's warehouses)",
        ),
        sa.Column("has_promotion", sa.Boolean(), nullable=True, comment="A promotion runs on the variation"),
        sa.Column(
            "promotion_id",
            sa.Numeric(precision=20, scale=0),
            nullable=True,
            comment="The running promotion (uint64; 0: none)",
        ),
        sa.Column("weight", sa.Numeric(), nullable=True, comment="The variation's package weight in kg"),
        sa.Column("gtin_code", sa.Text(), nullable=True, comment="The variation's GTIN (barcode)"),
        sa.Column(
            "raw",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            comment="The get_model_list model (model 0: the item) as received",
        ),
        sa.PrimaryKeyConstraint("item_id", "model_id"),
        comment="One row per variation with its price and stock, from get_model_list; replaced with its item",
    )
    op.create_index("ix_item_models_shop", "item_models", ["shop_id"], unique=False)
    op.create_table(
        "items",
        sa.Column(
            "item_id", sa.BigInteger(), autoincrement=False, nullable=False, comment="The product's id"
        ),
        sa.Column("shop_id", sa.BigInteger(), nullable=False, comment="The shop"),
        sa.Column(
            "item_name", sa.Text(), nullable=True, comment="The product's name, in the shop's language"
        ),
        sa.Column(
            "item_sku", sa.Text(), nullable=True, comment="The product's own (parent) SKU; may be empty"
        ),
        sa.Column(
            "item_status",
            sa.Text(),
            nullable=True,
            comment=(
                "NORMAL, UNLIST, BANNED, REVIEWING, SELLER_DELETE or SHOPEE_DELETE (deleted items are kept)"
            ),
        ),
        sa.Column("category_id", sa.BigInteger(), nullable=True, comment="The product's category"),
        sa.Column(
            "create_time", sa.DateTime(timezone=True), nullable=True, comment="When the product was listed"
        ),
        sa.Column(
            "update_time",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="Last change of the product as Shopee reports it; decides the partition day",
        ),
        sa.Column(
            "has_model",
            sa.Boolean(),
            nullable=True,
            comment="The product has variations (its prices and stock are per model)",
        ),
        sa.Column("has_promotion", sa.Boolean(), nullable=True, comment="A promotion runs on the product"),
        sa.Column("brand_id", sa.BigInteger(), nullable=True, comment="brand.brand_id (0: no brand)"),
        sa.Column("brand_name", sa.Text(), nullable=True, comment="brand.original_brand_name"),
        sa.Column("condition", sa.Text(), nullable=True, comment="NEW or USED"),
        sa.Column(
            "weight",
            sa.Numeric(),
            nullable=True,
            comment="Package weight in kg (with variations, the largest)",
        ),
        sa.Column("package_length", sa.Integer(), nullable=True, comment="dimension.package_length, in cm"),
        sa.Column("package_width", sa.Integer(), nullable=True, comment="dimension.package_width, in cm"),
        sa.Column("package_height", sa.Integer(), nullable=True, comment="dimension.package_height, in cm"),
        sa.Column("is_pre_order", sa.Boolean(), nullable=True, comment="pre_order.is_pre_order"),
        sa.Column("days_to_ship", sa.Integer(), nullable=True, comment="pre_order.days_to_ship"),
        sa.Column("gtin_code", sa.Text(), nullable=True, comment="The product's GTIN (barcode)"),
        sa.Column(
            "is_fulfillment_by_shopee",
            sa.Boolean(),
            nullable=True,
            comment="Stocked and shipped by Shopee (FBS)",
        ),
        sa.Column("image_url", sa.Text(), nullable=True, comment="The first of image.image_url_list"),
        sa.Column(
            "tier_variation",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=True,
            comment="get_model_list tier_variation: each tier's name and options (tier_index points here)",
        ),
        sa.Column(
            "raw",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            comment="The get_item_base_info object as received, get_model_list's model list merged in",
        ),
        sa.Column(
            "synced_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="When the pipeline last wrote this row",
        ),
        sa.PrimaryKeyConstraint("item_id"),
        comment=(
            "One row per product (deleted ones kept), from get_item_base_info; the newest update_time wins"
        ),
    )
    op.create_index("ix_items_shop_update_time", "items", ["shop_id", "update_time"], unique=False)
    op.create_table(
        "stock_history",
        sa.Column("item_id", sa.BigInteger(), nullable=False, comment="The product"),
        sa.Column(
            "model_id", sa.BigInteger(), nullable=False, comment="The variation (0: the product has none)"
        ),
        sa.Column(
            "snapshot_date",
            sa.Date(),
            nullable=False,
            comment="The local day (SHOPEE_TIMEZONE) the state was seen",
        ),
        sa.Column("shop_id", sa.BigInteger(), nullable=False, comment="The shop"),
        sa.Column(
            "stock", sa.Integer(), nullable=True, comment="Units available to sell, as item_models.stock"
        ),
        sa.Column("currency", sa.Text(), nullable=True, comment="price_info.currency"),
        sa.Column(
            "original_price",
            sa.Numeric(),
            nullable=True,
            comment="The price before promotions, in the shop's currency",
        ),
        sa.Column(
            "current_price",
            sa.Numeric(),
            nullable=True,
            comment="The price a buyer paid at that moment, in the shop's currency",
        ),
        sa.Column(
            "item_status", sa.Text(), nullable=True, comment="The product's status then (never a deleted one)"
        ),
        sa.Column("model_status", sa.Text(), nullable=True, comment="The variation's status then"),
        sa.Column(
            "update_time",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="The product's update_time the state was read with",
        ),
        sa.Column(
            "seen_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the pipeline read that state from Shopee; the latest of the day wins",
        ),
        sa.PrimaryKeyConstraint("item_id", "model_id", "snapshot_date"),
        comment=(
            "One row per variation and local day with the last stock and price read that day, for every "
            "product not deleted (the API keeps no history: only what was read is known)"
        ),
    )
    op.create_index("ix_stock_history_shop_date", "stock_history", ["shop_id", "snapshot_date"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_stock_history_shop_date", table_name="stock_history")
    op.drop_table("stock_history")
    op.drop_index("ix_items_shop_update_time", table_name="items")
    op.drop_table("items")
    op.drop_index("ix_item_models_shop", table_name="item_models")
    op.drop_table("item_models")
