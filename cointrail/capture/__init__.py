"""Capture: preserve a site's pages and payment details as WARC evidence in a case.

:func:`capture_url` fetches (through a proxy if asked), records and searches a
site; :func:`import_warc` takes in a WARC made by another tool;
:func:`served_directory` (and :func:`serve_directory`) serve a folder on loopback (demo and tests).
"""

from cointrail.capture.capture import capture_url
from cointrail.capture.importer import import_warc
from cointrail.capture.limits import CaptureLimits
from cointrail.capture.serve import serve_directory, served_directory
from cointrail.capture.session import CaptureOptions

__all__ = ["CaptureLimits", "CaptureOptions", "capture_url", "import_warc", "serve_directory", "served_directory"]
