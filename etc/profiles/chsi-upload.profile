# Photos handed to the CHSI collection platform: at least 480x640, 3:4, JPEG of
# 40-200 KB, light-blue background, frontal, no beautifying.
[Profile]
description=CHSI collection upload (480x640, 40-200 KB)
width=480
height=640
aspect=3:4
min_kb=40
max_kb=200
min_quality=1
dpi=300

[Background]
color=100,197,255
