# 2026-12-08 00:13:35 by RouterOS 7.21.4
# software id = LAB-0000
#
