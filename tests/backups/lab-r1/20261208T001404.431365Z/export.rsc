# 2026-12-08 00:14:04 by RouterOS 7.21.4
# software id = LAB-0000
#
