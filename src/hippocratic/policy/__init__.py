"""The organisation's privacy policy as a typed, validated file, and what is rendered from it."""
