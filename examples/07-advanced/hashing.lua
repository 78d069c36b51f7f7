-- Hex digests with the hash node: SHA-256 (default), SHA-384, SHA-512 and MD5 of UTF-8 text.
--
-- `input` is interpolated text; `source_key` hashes a context value (a string as is, anything else as its
-- canonical JSON, so key order does not change the digest). <output_key>_algorithm echoes the algorithm.
local flow = Flow.new("hashing")

flow:step("data", function(ctx)
  return {
    password = "correct horse battery staple",
    record_a = { id = 7, name = "Zoë", tags = { "x", "y" } },
    record_b = { tags = { "x", "y" }, name = "Zoë", id = 7 },
  }
end)

flow:step("sha256_literal", nodes.hash({ input = "abc" }))

flow:step("sha512_of_ctx", nodes.hash({
  input = "${ctx.password}",
  algorithm = "sha512",
  output_key = "pw_sha512",
})):depends_on("data")

flow:step("sha384_dashed", nodes.hash({
  input = "abc",
  algorithm = "SHA-384",
  output_key = "h384",
}))

flow:step("md5_record_a", nodes.hash({
  source_key = "record_a",
  algorithm = "md5",
  output_key = "md5_a",
})):depends_on("data")

flow:step("md5_record_b", nodes.hash({
  source_key = "record_b",
  algorithm = "md5",
  output_key = "md5_b",
})):depends_on("data")

flow:step("show", nodes.log({
  message = "sha256(abc)=${ctx.hash} sha384=${ctx.h384} (${ctx.h384_algorithm}) md5(record)=${ctx.md5_a}",
})):depends_on("sha256_literal", "sha512_of_ctx", "sha384_dashed", "md5_record_a", "md5_record_b")

flow:step("check", function(ctx)
  assert(ctx.hash == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256 of abc")
  assert(ctx.hash_algorithm == "sha256", "default algorithm")
  assert(ctx.h384 == "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
    "sha384 of abc")
  assert(ctx.h384_algorithm == "SHA-384", "the algorithm is echoed as given")
  assert(#ctx.pw_sha512 == 128, "sha512 hex digest")
  assert(ctx.md5_a == ctx.md5_b, "key order does not matter")
  return { verified = true }
end):depends_on("show")

return flow
