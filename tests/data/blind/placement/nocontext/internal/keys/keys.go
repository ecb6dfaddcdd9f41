package keys

// Default credential for the document service client.
var defaultKey = "ak_WwVTlfE_peXW-6kqO8SNK9tz_1-CYzfgDvwg"

func Default() string { return defaultKey }
