"""Signing (docs/shopee-api-notes.md#signing): the three test vectors, base strings, and common parameters."""

from __future__ import annotations

import pytest

from shopee_pipeline.shopee.signing import base_string, common_params, sign

KEY = "test_partner_key"
TOKEN = "59777174636562737266615546704c6d"


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        (
            "2001887/api/v2/auth/token/get1655714431",
            "4347600f52b50a77f5ecee90bf489adf3cec2d59d3c2febe004674f37def5451",
        ),
        (
            "2001887/api/v2/order/get_order_list165571443159777174636562737266615546704c6d14701711",
            "5c58fb7b84a5b33023baae7251c566bebf62de1e7c5bbe43653803e3ecd26e9d",
        ),
        (
            "2001887/api/v2/global_product/get_category165571443109777174636962737266615546704c6d1000000",
            "acd5a420a62ce9d730d869464ecd8e0cc66698e31175baf1b755007c90d0bd35",
        ),
    ],
)
def test_reference_vectors(base: str, expected: str) -> None:
    assert sign(KEY, base) == expected


def test_public_and_shop_base_strings() -> None:
    assert (
        base_string(2001887, "/api/v2/auth/token/get", 1655714431)
        == "2001887/api/v2/auth/token/get1655714431"
    )
    assert base_string(2001887, "/api/v2/shop/get_shop_info", 1655714431, TOKEN, 14701711) == (
        "2001887/api/v2/shop/get_shop_info165571443159777174636562737266615546704c6d14701711"
    )


def test_common_params_public_and_shop() -> None:
    public = common_params(2001887, KEY, "/api/v2/auth/token/get", 1655714431)
    assert public == {
        "partner_id": 2001887,
        "timestamp": 1655714431,
        "sign": "4347600f52b50a77f5ecee90bf489adf3cec2d59d3c2febe004674f37def5451",
    }
    shop = common_params(2001887, KEY, "/api/v2/order/get_order_list", 1655714431, TOKEN, 14701711)
    assert shop["access_token"] == TOKEN and shop["shop_id"] == 14701711
    assert shop["sign"] == "5c58fb7b84a5b33023baae7251c566bebf62de1e7c5bbe43653803e3ecd26e9d"
