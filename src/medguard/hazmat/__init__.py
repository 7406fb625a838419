"""DANGER: hazardous-materials layer.

Primitives where the caller makes the security decisions (nonces, keys, contexts). Prefer
``medguard.ops`` and ``medguard.keys`` unless you know exactly why you need these.
"""
