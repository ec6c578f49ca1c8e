// Session module
