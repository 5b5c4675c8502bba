# SPDX-License-Identifier: GPL-2.0-or-later
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

# The standard's bands, in pixels of the 480x640 photo.
[Geometry]
head_top_min=50
head_top_max=110
eye_line_min=200
eye_line_max=300
face_width_min=180
face_width_max=300
# Cheek to cheek over the face detector's box width (lbpcascade_frontalface_improved),
# measured on dlib's 68-landmark annotations: median 1.236, sd 0.068, 37 faces.
face_width_factor=1.24
# Output pixels per frame pixel at most. Enlarging adds no detail; up to 1.3x keeps a
# 480x640 photo sharp enough from a camera where the face is 140 px or more wide.
max_enlarge=1.3
# "Centred left-right": the face centre within 5% of the width of the middle column.
centre_max=24

# Light blue, even, no shadow, nothing else in view. Distances are CIE76 (CIELAB).
[Background]
color=100,197,255
max_distance=30
max_spread=6
max_gradient=15
max_foreign=0.02

# Frontal, no tilt, well exposed, sharp; clothing apart from the background, skin and yellow.
[Checks]
max_tilt_deg=5
luma_min=90
luma_max=210
max_clipped=0.02
min_sharpness=30
clothing_min_distance=12

[Capture]
burst=3
