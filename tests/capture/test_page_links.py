"""What a page points to: links, scripts and media sorted apart, and bounded on hostile pages."""

from __future__ import annotations

from cointrail.capture.links import MAX_LINKS, media_kind, page_links, same_site


def test_links_scripts_and_media_are_sorted_apart() -> None:
    html = """<BASE HREF="http://y.example/d/"><A href="q#top">a</A><IMG srcset="a.png 1x, b.png 2x">
    <a href="v.mp4">video</a><img src="data:image/png;base64,AAAA"><script src="s.js"></script>
    <meta property="og:image" content="/og.jpg"><link rel="icon" href="/favicon.ico">
    <link rel="stylesheet" href="style.css"><a href="mailto:x@y">mail</a><a href="setup.exe">dl</a>
    <video poster="poster.jpg"><source src="clip.webm"></video><iframe src="/frame.html"></iframe>"""
    links = page_links(html, "http://x.example/")
    assert links.pages == ["http://y.example/d/q", "http://y.example/frame.html"]
    assert links.scripts == ["http://y.example/d/s.js"]
    assert links.images == ["http://y.example/d/a.png", "http://y.example/d/b.png", "http://y.example/og.jpg",
                            "http://y.example/favicon.ico", "http://y.example/d/poster.jpg"]
    assert links.other_media == ["http://y.example/d/v.mp4", "http://y.example/d/clip.webm"]
    assert links.inline_images == ["data:image/png;base64,AAAA"]


def test_junk_and_empty_pages_give_no_links() -> None:
    assert page_links("", "http://x/").pages == []
    assert page_links("\x00\x01\x02 \ufffd", "http://x/").pages == []
    assert page_links("<a href='/ok'>" + "<div>" * 100_000, "http://x/").pages == ["http://x/ok"]


def test_a_page_of_endless_links_is_cut_at_the_bound() -> None:
    html = "".join(f'<a href="p{i}.html">x</a>' for i in range(MAX_LINKS + 500))
    assert len(page_links(html, "http://x/").pages) == MAX_LINKS


def test_media_kinds_and_sites() -> None:
    assert media_kind("http://x/a/B.PNG?x=1") == "image" and media_kind("http://x/v.webm") == "video"
    assert media_kind("http://x/f.woff2") == "font" and media_kind("http://x/page.html") is None
    assert same_site("http://X.example/a", "http://x.example/b")
    assert not same_site("http://x.example:8080/", "http://x.example/")
