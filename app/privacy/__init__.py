"""Data protection (DSGVO): retention of login records, anonymising people who left, and the
disclosure of what is stored about a person (Art. 15)."""
