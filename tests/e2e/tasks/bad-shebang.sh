#!/no/such/interpreter
# Its interpreter does not exist (case "bad-input"): the message must say so.
echo '{}'
