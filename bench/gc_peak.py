"""Peak heap in MiB from a -Xlog:gc,gc+heap+exit log: the largest heap-before-GC or heap-at-exit."""
import re


def peak_mib(path):
    peak = 0.0
    for line in open(path):
        m = re.search(r"(\d+)M->\d+M\(\d+M\)", line)
        if m:
            peak = max(peak, float(m.group(1)))
        m = re.search(r"used (\d+)K", line)
        if m and "heap" in line:
            peak = max(peak, int(m.group(1)) / 1024)
    return peak
