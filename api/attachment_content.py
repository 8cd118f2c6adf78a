"""What an uploaded file is, by its content (magic bytes), and the copy of it that is stored.

Accepted: JPEG, PNG, HEIC/HEIF (photos) and PDF. Photos are decoded whole (a truncated or
corrupt image is refused), turned upright by their EXIF orientation and re-encoded without
any metadata (EXIF, GPS, XMP, text chunks), and get a JPEG thumbnail for lists. HEIC photos
are stored as JPEG: browsers (the board, the app's web build) cannot show HEIC, and
pillow-heif decodes them here. PDFs are stored as uploaded once they end with `%%EOF`.
"""
import warnings
from dataclasses import dataclass
from pathlib import Path

import pillow_heif
from PIL import Image, ImageOps

pillow_heif.register_heif_opener()

THUMBNAIL_PX = 320
MAX_PIXELS = 64_000_000  # a 64 MP photo; more is refused before it is decoded
JPEG_QUALITY = 90
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


class Refused(Exception):
    """The file is not one we store; `message` says why (for the `file` field)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Prepared:
    path: Path                 # what to store
    content_type: str          # of what is stored
    thumbnail: Path | None     # a JPEG for lists; None for PDFs


def sniff(head: bytes) -> str | None:
    """The content type the first bytes of a file announce, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "image/heic"
    return None


def prepare(source: Path, work_dir: Path) -> Prepared:
    """Check `source` by its content and write what is stored (and its thumbnail) into `work_dir`."""
    with open(source, "rb") as f:
        head = f.read(32)
    kind = sniff(head)
    if kind is None:
        raise Refused("not a JPEG, PNG, HEIC or PDF file (checked by its content, not its name)")
    if kind == "application/pdf":
        _check_pdf(source)
        return Prepared(source, kind, None)
    return _prepare_photo(source, kind, work_dir)


def _check_pdf(source: Path) -> None:
    with open(source, "rb") as f:
        f.seek(0, 2)
        f.seek(max(0, f.tell() - 1024))
        tail = f.read()
    if b"%%EOF" not in tail:
        raise Refused("the PDF is truncated (no %%EOF at its end)")


def _prepare_photo(source: Path, kind: str, work_dir: Path) -> Prepared:
    # Phones save many photos as MPO (a JPEG with more pictures, e.g. depth maps, appended).
    expected_formats = {"image/jpeg": ("JPEG", "MPO"), "image/png": ("PNG",), "image/heic": ("HEIF",)}[kind]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(source)
            if image.format not in expected_formats:
                raise Refused(f"the file starts like {kind} but is not a valid one")
            if image.width * image.height > MAX_PIXELS:
                raise Refused(f"the image has {image.width}x{image.height} pixels; at most {MAX_PIXELS} are accepted")
            image.load()  # decodes everything: a truncated file fails here
    except Refused:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise Refused(f"the image is truncated or corrupt ({e})") from None
    icc = image.info.get("icc_profile")
    upright = ImageOps.exif_transpose(image)
    upright.info = {}  # no EXIF, XMP or text chunks reach what is saved; the colour profile is kept
    stored = work_dir / "stored"
    if kind == "image/png":
        upright.save(stored, format="PNG", icc_profile=icc)
        content_type = "image/png"
    else:
        _rgb(upright).save(stored, format="JPEG", quality=JPEG_QUALITY, icc_profile=icc)
        content_type = "image/jpeg"
    thumbnail = work_dir / "thumbnail"
    small = _rgb(upright)
    small.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    small.save(thumbnail, format="JPEG", quality=80)
    return Prepared(stored, content_type, thumbnail)


def _rgb(image: Image.Image) -> Image.Image:
    """`image` as RGB, transparency flattened onto white (JPEG has no alpha)."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
