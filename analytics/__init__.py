"""The analytics core: public data in, codes and numbers out (never a chat platform, never a sentence)."""
