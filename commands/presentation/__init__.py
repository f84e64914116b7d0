"""Replies into messages: the Jinja2 renderer over templates/, gettext catalogues, number and date formats, platform limits and layout."""
