// Package figure draws the figures of hdsnn, as PNG and SVG via gonum/plot.
//
// Three kinds of figure are provided, all plain values that validate their
// inputs and write a pair of files with Save:
//
//   - RasterPlot: the spike raster of one recall trial, with the target
//     pattern, the cue and the recalled spikes overlaid, and labelled
//     vertical marks at the phase boundaries of the trial.
//   - LinePlot: one or more series of points joined by lines, with optional
//     error bars, log axes, a tick at every measured value (XTicks) or a
//     categorical x axis (XCategories); a NaN value is undefined and leaves
//     a gap. For training curves and parameter scans.
//   - Stack: LinePlots stacked under one title, one metric per panel.
//
// The figures of the benchmark and the studies are built from their
// results by package figure/studyfig.
//
// Save(base) writes base+".png" (150 dpi) and base+".svg". Each file is
// written to a temporary file in the same directory and renamed into
// place, so a reader never sees a half-written figure. The directory must
// exist.
package figure
