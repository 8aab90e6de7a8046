"""Pages go out compressed to browsers that accept it: the report's HTML is a few hundred kilobytes."""

from __future__ import annotations

import gzip

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_report_is_sent_gzipped_to_a_browser_that_accepts_it(demo, client, sro):
    client.force_login(sro)

    plain = client.get(reverse("report"))
    packed = client.get(reverse("report"), HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    html = gzip.decompress(packed.content)
    assert b"At a glance: Q2 2021/22" in html  # the quarter of the round the demo opens
    assert abs(len(html) - len(plain.content)) < 200  # the same page (its CSRF token and nonce differ)
    assert len(packed.content) < len(plain.content) / 4, (len(packed.content), len(plain.content))
