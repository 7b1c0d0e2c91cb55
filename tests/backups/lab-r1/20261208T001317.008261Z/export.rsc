# 2026-12-08 00:13:17 by RouterOS 7.21.4
# software id = LAB-0000
#
