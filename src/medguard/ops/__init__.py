"""Operations a policy can name: mask, encrypt, pseudonymize, ...

Each has a scalar and a column form.
"""
