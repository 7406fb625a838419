"""Chinese identifier knowledge: parse, validate, normalize and generate. No cryptography."""
