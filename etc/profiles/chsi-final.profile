# CHSI electronic registration image: exactly 480x640, 300 dpi, 24-bit colour,
# JPEG quality 60 or more, about 20-40 KB; light-blue background RGB(100,197,255).
[Profile]
description=CHSI registration image (480x640, 300 dpi, 20-40 KB, quality >= 60)
width=480
height=640
aspect=3:4
min_kb=20
max_kb=40
min_quality=60
dpi=300

[Background]
color=100,197,255
