// Net module
