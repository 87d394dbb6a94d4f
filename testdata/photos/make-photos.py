#!/usr/bin/python3
"""Makes the photo fixtures of lib/image/test-image.c (python3-pil).

Each picture is made of flat quadrants so that a corner's colour survives
JPEG, scaling and rotation: stored top-left red, top-right green,
bottom-left blue, bottom-right yellow. Run from this folder with /usr/bin/python3."""
import io
import struct
import zlib

from PIL import Image

RED, GREEN, BLUE, YELLOW = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)


def quads(w, h, mode="RGB"):
    im = Image.new("RGB", (w, h))
    px = im.load()
    for y in range(h):
        for x in range(w):
            left, top = x < w // 2, y < h // 2
            px[x, y] = (RED if left else GREEN) if top else (BLUE if left else YELLOW)
    return im if mode == "RGB" else im.convert(mode)


def exif_orientation(o):
    ex = Image.Exif()
    ex[0x0112] = o
    return ex.tobytes()


# stored landscape 80x60, shown as a 60x80 portrait
quads(80, 60).save("portrait-exif6.jpg", quality=90, exif=exif_orientation(6))
quads(80, 60).save("exif3.jpg", quality=90, exif=exif_orientation(3))
quads(300, 200).save("progressive.jpg", quality=85, progressive=True)
quads(50, 40, "L").save("gray.jpg", quality=90)
quads(40, 40).convert("CMYK").save("cmyk.jpg", quality=90)
Image.new("RGB", (1, 1), RED).save("1x1.jpg", quality=90)
Image.new("RGBA", (1, 1), (0, 0, 255, 255)).save("1x1.png")
Image.new("RGB", (10000, 10), GREEN).save("strip.png")

# left half fully transparent (black underneath), right half opaque blue
a = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
for y in range(64):
    for x in range(32, 64):
        a.putpixel((x, y), (0, 0, 255, 255))
a.save("alpha.png")
quads(64, 48).convert("P").save("palette.png")


def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))


# a decompression bomb: 10000x10000 grey (100 Mpixel), all zero, about
# a hundred kilobytes of deflate
w = h = 10000
z = zlib.compressobj(9)
body = bytearray()
row = b"\0" * (w + 1)
for _ in range(h):
    body += z.compress(row)
body += z.flush()
with open("bomb.png", "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n")
    f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)))
    f.write(chunk(b"IDAT", bytes(body)))
    f.write(chunk(b"IEND", b""))

# an interlaced PNG claiming 5000x4000 (20 Mpixel: under the pixel limit,
# over what an interlaced one may hold whole); its data is a few bytes
with open("interlaced-big.png", "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n")
    f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", 5000, 4000, 8, 2, 0, 0, 1)))
    f.write(chunk(b"IDAT", zlib.compress(b"\0" * 64)))
    f.write(chunk(b"IEND", b""))

# a JPEG whose frame header claims 20000x20000: the SOF0 of a small one
# rewritten (height, then width, after the precision byte)
buf = io.BytesIO()
quads(16, 16).save(buf, "JPEG", quality=50)
j = bytearray(buf.getvalue())
i = j.index(b"\xff\xc0")
j[i + 5:i + 9] = struct.pack(">HH", 20000, 20000)
open("bomb.jpg", "wb").write(bytes(j))

# a progressive 4:4:4 JPEG whose frame claims 6000x6000: 36 Mpixel, under
# the pixel limit, but its coefficients (216 MB) are over libjpeg's pool
buf = io.BytesIO()
quads(16, 16).save(buf, "JPEG", quality=50, progressive=True, subsampling=0)
j = bytearray(buf.getvalue())
i = j.index(b"\xff\xc2")
j[i + 5:i + 9] = struct.pack(">HH", 6000, 6000)
open("bomb-progressive.jpg", "wb").write(bytes(j))

p = open("progressive.jpg", "rb").read()
open("truncated.jpg", "wb").write(p[: len(p) // 2])
q = open("alpha.png", "rb").read()
open("truncated.png", "wb").write(q[: len(q) - 40])
open("not-an-image.jpg", "wb").write(b"\xff\xd8\xff\xe0 this is text, not a JPEG\n")

# exact values for the box filter: a 4x4 black/white checker (to 2x2:
# every pixel the mean) and a 3x1 grey row 0, 90, 180 (to 2x1: 30, 150)
c = Image.new("L", (4, 4))
for y in range(4):
    for x in range(4):
        c.putpixel((x, y), 255 if (x + y) % 2 else 0)
c.save("checker.png")
r = Image.new("L", (3, 1))
for x, v in enumerate((0, 90, 180)):
    r.putpixel((x, 0), v)
r.save("row3.png")
