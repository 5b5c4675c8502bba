# SPDX-License-Identifier: GPL-2.0-or-later
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

# The registration image's proportions, at this profile's size (here the same 480x640).
[Geometry]
head_top_min=50
head_top_max=110
eye_line_min=200
eye_line_max=300
face_width_min=180
face_width_max=300
face_width_factor=1.24
# Output pixels per frame pixel at most. Enlarging adds no detail; up to 1.3x keeps a
# 480x640 photo sharp enough from a camera where the face is 140 px or more wide.
max_enlarge=1.3
centre_max=24

[Background]
color=100,197,255
max_distance=30
max_spread=6
max_gradient=15
max_foreign=0.02

[Checks]
max_tilt_deg=5
luma_min=90
luma_max=210
max_clipped=0.02
min_sharpness=30
clothing_min_distance=12

[Capture]
burst=3
