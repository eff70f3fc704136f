"""Analysis of survey rounds: response statistics, frequencies, breakdowns, net scores,
time series, exports and the graphic report. Reads only; the report job is the one write."""
