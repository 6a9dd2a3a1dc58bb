from app.web.markdown import render_markdown


def test_markdown_keeps_formatting_and_safe_links() -> None:
    html = render_markdown("**Ziel:** [OZG](https://example.org/ozg)\n\n- eins\n- zwei")
    assert "<strong>Ziel:</strong>" in html
    assert 'href="https://example.org/ozg"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "<li>eins</li>" in html


def test_markdown_drops_scripts_handlers_and_javascript_urls() -> None:
    html = render_markdown(
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
        "[x](javascript:alert(3)) [y](JaVaScRiPt:alert(4)) <a href='javascript:alert(5)'>z</a>"
    )
    assert "<script" not in html and "<img" not in html
    assert "onerror" not in html.replace("onerror=alert(2)&gt;", "")
    assert 'href="javascript' not in html.lower()
    assert "&lt;script&gt;" in html
