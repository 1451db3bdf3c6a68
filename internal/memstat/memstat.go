// Package memstat reports the memory a process has used.
package memstat

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// PeakMB returns the peak resident set size of this process in MiB
// (VmHWM on Linux). Elsewhere it returns the memory the Go runtime has
// obtained from the system, an upper bound of the heap's peak.
func PeakMB() float64 {
	if f, err := os.Open("/proc/self/status"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
				fields := strings.Fields(v)
				if len(fields) > 0 {
					if kb, err := strconv.ParseFloat(fields[0], 64); err == nil {
						return kb / 1024
					}
				}
			}
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.Sys) / (1 << 20)
}
