"""The Shopee push receiver: verify the signature, store the event, answer 200 with an empty body."""

from shopee_pipeline.webhook.app import create_app
from shopee_pipeline.webhook.server import serve
from shopee_pipeline.webhook.signature import push_signature, verify_push

__all__ = ["create_app", "push_signature", "serve", "verify_push"]
