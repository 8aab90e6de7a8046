import pytest

from core.html import sanitize_html


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param(
            "<p>Fine <strong>bold</strong> <em>it</em></p>",
            "<p>Fine <strong>bold</strong> <em>it</em></p>",
            id="allowed tags kept",
        ),
        pytest.param(
            "<ul><li>a</li></ul><ol><li>b<br>c</li></ol>",
            "<ul><li>a</li></ul><ol><li>b<br>c</li></ol>",
            id="lists kept",
        ),
        pytest.param("<p>x</p><script>alert(1)</script>", "<p>x</p>", id="script removed with its content"),
        pytest.param(
            '<p onclick="steal()" style="color:red">x</p>', "<p>x</p>", id="event handlers and styles removed"
        ),
        pytest.param('<p><a href="javascript:alert(1)">link</a></p>', "<p>link</p>", id="javascript link removed"),
        pytest.param('<img src=x onerror="alert(1)"><p>x</p>', "<p>x</p>", id="image with handler removed"),
        pytest.param('<iframe src="https://evil"></iframe><p>x</p>', "<p>x</p>", id="iframe removed"),
        pytest.param("<h1>Title</h1><table><tr><td>c</td></tr></table>", "Titlec", id="other tags unwrapped"),
        pytest.param("<!-- secret --><p>x</p>", "<p>x</p>", id="comments removed"),
        pytest.param(
            "First line\nsecond line\n\nNew paragraph",
            "<p>First line<br>second line</p><p>New paragraph</p>",
            id="plain text becomes paragraphs",
        ),
        pytest.param("Caseload < 20 & rising", "Caseload &lt; 20 &amp; rising", id="plain text is escaped"),
        pytest.param("   \n ", "", id="blank"),
    ],
)
def test_only_the_allow_list_survives(given, expected):
    assert sanitize_html(given) == expected
