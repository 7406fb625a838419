"""Operations a policy can name: mask, encrypt, pseudonymize, ... each with a scalar and a column form."""
