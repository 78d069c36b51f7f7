-- CSV in and out: parse CSV text into rows (objects keyed by the header), filter them, and write CSV back.
--
-- csv_parse reads RFC 4180 CSV: quoted fields may hold the delimiter, doubled quotes ("") and line breaks.
-- With infer_types, true/false become booleans and numeric text becomes numbers. csv_stringify writes the
-- header from the sorted object keys and quotes only the fields that need it.
local flow = Flow.new("csv_parse_stringify")

flow:step("load_csv", function(ctx)
  return {
    csv_text = table.concat({
      "name,age,city,active",
      "Alice,30,Zürich,true",
      "Bob,25,\"Portland, OR\",false",
      "\"Carol \"\"CJ\"\" Jones\",41,Tōkyō,TRUE",
      "",
      "Dan,19,Berlin,false",
    }, "\n"),
    -- A semicolon-separated export without a header, with a ragged last record.
    raw_text = "1;red\n2;green\n3;blue;extra\n",
  }
end)

flow:step("parse_people", nodes.csv_parse({
  source_key = "csv_text",
  output_key = "people",
  infer_types = true,
})):depends_on("load_csv")

flow:step("parse_raw", nodes.csv_parse({
  source_key = "raw_text",
  output_key = "colours",
  has_header = false,
  delimiter = ";",
})):depends_on("load_csv")

flow:step("adults_over_21", nodes.data_filter({
  source_key = "people",
  output_key = "adults",
  field = "age",
  op = "gt",
  value = 21,
})):depends_on("parse_people")

flow:step("to_csv", nodes.csv_stringify({
  source_key = "adults",
  output_key = "adults_csv",
})):depends_on("adults_over_21")

flow:step("to_tsv", nodes.csv_stringify({
  source_key = "colours",
  output_key = "colours_tsv",
  delimiter = "\\t",
  include_headers = false,
})):depends_on("parse_raw")

flow:step("show", nodes.log({
  message = "${ctx.adults_count} adults:\n${ctx.adults_csv}",
})):depends_on("to_csv")

flow:step("check", function(ctx)
  assert(#ctx.people == 4, "the blank line is skipped: 4 people")
  assert(ctx.people[2].city == "Portland, OR", "a quoted delimiter stays in the field")
  assert(ctx.people[3].name == 'Carol "CJ" Jones', "doubled quotes become one")
  assert(ctx.people[1].age == 30 and ctx.people[1].active == true, "infer_types gives numbers and booleans")
  assert(ctx.people[3].active == true, "TRUE is a boolean too")
  assert(ctx.adults_count == 3, "three people are over 21")
  assert(ctx.adults_csv == 'active,age,city,name\ntrue,30,Zürich,Alice\nfalse,25,"Portland, OR",Bob\ntrue,41,Tōkyō,"Carol ""CJ"" Jones"\n',
    "unexpected CSV: " .. ctx.adults_csv)
  assert(#ctx.colours == 3 and #ctx.colours[3] == 3, "without a header, records are arrays of any length")
  assert(ctx.colours_tsv == "1\tred\t\n2\tgreen\t\n3\tblue\textra\n", "short records are padded")
  return { verified = true }
end):depends_on("show", "to_tsv")

return flow
