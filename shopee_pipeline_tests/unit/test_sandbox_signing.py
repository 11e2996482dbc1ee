"""The sandbox's own signing against the test vectors of docs/shopee-api-notes.md#signing and #pushes."""

from __future__ import annotations

import pytest

from shopee_pipeline.sandbox.signing import api_sign, base_string, hmac_hex, push_signature, sign_matches

KEY = "test_partner_key"
TOKEN = "59777174636562737266615546704c6d"


def test_official_base_string_example() -> None:
    base = base_string(2001887, "/api/v2/shop/get_shop_info", 1655714431, TOKEN, 14701711)
    assert base == "2001887/api/v2/shop/get_shop_info165571443159777174636562737266615546704c6d14701711"


@pytest.mark.parametrize(
    ("base", "sign"),
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
def test_reference_vectors(base: str, sign: str) -> None:
    assert hmac_hex(KEY, base) == sign


def test_api_sign_public_and_shop() -> None:
    public = api_sign(KEY, 2001887, "/api/v2/auth/token/get", 1655714431)
    assert public == "4347600f52b50a77f5ecee90bf489adf3cec2d59d3c2febe004674f37def5451"
    shop = api_sign(KEY, 2001887, "/api/v2/order/get_order_list", 1655714431, TOKEN, 14701711)
    assert shop == "5c58fb7b84a5b33023baae7251c566bebf62de1e7c5bbe43653803e3ecd26e9d"


def test_sign_matches_is_case_insensitive_and_strict() -> None:
    sign = api_sign(KEY, 1, "/p", 2)
    assert sign_matches(sign, sign.upper())
    assert not sign_matches(sign, sign[:-1] + ("0" if sign[-1] != "0" else "1"))


def test_push_signature_vector() -> None:
    body = (
        b'{"data":{"ordersn":"220810QSK8S7BX","status":"PROCESSED","update_time":1660123127},'
        b'"shop_id":727720655,"code":3,"timestamp":1660123127}'
    )
    expected = "cefcf0674fbe0d114938028d06345a6a048297f10474b80fac8c2577fa62aa2d"
    assert push_signature(KEY, "https://example.com/shopee/push", body) == expected
