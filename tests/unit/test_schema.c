#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include "unit.h"
#include "base/miq_json.h"
#include "mcp/miq_schema.h"

static json_t *J(const char *text)
{
    const char *err = NULL;
    json_t *v = miq_json_parse(utp, text, strlen(text), &err);
    if (!v)
        fprintf(stderr, "bad test JSON: %s: %s\n", err, text);
    return v;
}

/* Validates text against schema text; returns the message or NULL. */
static const char *V(const char *schema, const char *inst)
{
    return miq_schema_validate(utp, J(schema), inst ? J(inst) : NULL);
}

static const char *C(const char *schema)
{
    return miq_schema_check(utp, J(schema));
}

#define OK(s, i) CU_ASSERT_PTR_NULL(V(s, i))
#define ERR(s, i, want)                                                                            \
    do {                                                                                           \
        const char *m_ = V(s, i);                                                                  \
        CU_ASSERT_PTR_NOT_NULL(m_);                                                                \
        if (m_ && !strstr(m_, want))                                                               \
            fprintf(stderr, "\n  got: %s\n  want: %s\n", m_, want);                                \
        CU_ASSERT(m_ &&strstr(m_, want));                                                          \
    } while (0)
#define CHK(s, want)                                                                               \
    do {                                                                                           \
        const char *m_ = C(s);                                                                     \
        CU_ASSERT_PTR_NOT_NULL(m_);                                                                \
        if (m_ && !strstr(m_, want))                                                               \
            fprintf(stderr, "\n  got: %s\n  want: %s\n", m_, want);                                \
        CU_ASSERT(m_ &&strstr(m_, want));                                                          \
    } while (0)

#define OBJ(props) "{\"type\":\"object\",\"properties\":" props "}"

static void test_type(void)
{
    const char *s = OBJ("{\"s\":{\"type\":\"string\"},\"n\":{\"type\":\"number\"},"
                        "\"i\":{\"type\":\"integer\"},\"b\":{\"type\":\"boolean\"},"
                        "\"z\":{\"type\":\"null\"},\"a\":{\"type\":\"array\"},"
                        "\"o\":{\"type\":\"object\"},\"u\":{\"type\":[\"string\",\"null\"]}}");
    OK(s, "{\"s\":\"x\",\"n\":1.5,\"i\":3,\"b\":false,\"z\":null,\"a\":[],\"o\":{},\"u\":null}");
    OK(s, "{\"n\":2,\"u\":\"x\"}");
    OK(s, "{\"i\":3.0}"); /* integral real is an integer */
    ERR(s, "{\"s\":3}", "arguments.s: must be string (got 3)");
    ERR(s, "{\"n\":\"1\"}", "arguments.n: must be number (got \"1\")");
    ERR(s, "{\"i\":3.5}", "arguments.i: must be integer (got 3.5)");
    ERR(s, "{\"i\":\"3\"}", "arguments.i: must be integer (got \"3\")");
    ERR(s, "{\"b\":0}", "arguments.b: must be boolean (got 0)");
    ERR(s, "{\"z\":false}", "arguments.z: must be null (got false)");
    ERR(s, "{\"a\":{}}", "arguments.a: must be array (got object)");
    ERR(s, "{\"o\":[1]}", "arguments.o: must be object (got array)");
    ERR(s, "{\"u\":1}", "arguments.u: must be string or null (got 1)");
    ERR("{\"type\":\"object\"}", "[]", "arguments: must be object (got array)");
}

static void test_required_additional(void)
{
    const char *s = "{\"type\":\"object\",\"required\":[\"endpoint\"],"
                    "\"properties\":{\"endpoint\":{\"type\":\"string\"}},"
                    "\"additionalProperties\":false}";
    OK(s, "{\"endpoint\":\"/x\"}");
    ERR(s, "{}", "arguments: missing required property 'endpoint'");
    ERR(s, NULL, "arguments: missing required property 'endpoint'"); /* absent = {} */
    ERR(s, "{\"endpoint\":\"/x\",\"foo\":1}", "arguments: unexpected property 'foo'");
    ERR(s, "{\"endpoint\":\"/x\",\"a b\":1}", "arguments: unexpected property \"a b\"");
    s = "{\"type\":\"object\",\"properties\":{\"k\":{}},\"additionalProperties\":{\"type\":"
        "\"integer\"}}";
    OK(s, "{\"k\":\"any\",\"x\":1,\"y\":2}");
    ERR(s, "{\"x\":1,\"y\":\"no\"}", "arguments.y: must be integer (got \"no\")");
    ERR(s, "{\"we ird\":\"no\"}", "arguments[\"we ird\"]: must be integer");
    s = "{\"type\":\"object\",\"patternProperties\":{\"^x_\":{\"type\":\"string\"}},"
        "\"additionalProperties\":false}";
    OK(s, "{\"x_a\":\"1\",\"x_b\":\"2\"}");
    ERR(s, "{\"x_a\":1}", "arguments.x_a: must be string (got 1)");
    ERR(s, "{\"y\":1}", "arguments: unexpected property 'y'");
    s = "{\"type\":\"object\",\"minProperties\":1,\"maxProperties\":2}";
    OK(s, "{\"a\":1}");
    ERR(s, "{}", "arguments: must have at least 1 properties (got 0)");
    ERR(s, "{\"a\":1,\"b\":2,\"c\":3}", "must have at most 2 properties (got 3)");
}

static void test_nested_path(void)
{
    const char *s = OBJ("{\"params\":{\"type\":\"object\",\"properties\":{"
                        "\"threshold_db\":{\"type\":\"number\",\"maximum\":0}}},"
                        "\"list\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
                        "\"required\":[\"id\"]}}}");
    OK(s, "{\"params\":{\"threshold_db\":-20},\"list\":[{\"id\":1}]}");
    ERR(s, "{\"params\":{\"threshold_db\":3}}",
        "arguments.params.threshold_db: must be <= 0 (got 3)");
    CU_ASSERT_STRING_EQUAL(V(s, "{\"params\":{\"threshold_db\":3}}"),
                           "arguments.params.threshold_db: must be <= 0 (got 3)");
    ERR(s, "{\"list\":[{\"id\":1},{}]}", "arguments.list[1]: missing required property 'id'");
}

static void test_enum_const(void)
{
    const char *s = OBJ("{\"language\":{\"enum\":[\"curl\",\"python\",\"javascript\",\"mcp\"]},"
                        "\"mixed\":{\"enum\":[1,null,{\"a\":1}]},\"c\":{\"const\":\"fixed\"}}");
    OK(s, "{\"language\":\"mcp\",\"mixed\":{\"a\":1},\"c\":\"fixed\"}");
    OK(s, "{\"mixed\":null}");
    ERR(s, "{\"language\":\"ruby\"}",
        "arguments.language: must be one of curl, python, javascript, mcp (got \"ruby\")");
    ERR(s, "{\"mixed\":2}", "arguments.mixed: must be one of 1, null, {\"a\":1} (got 2)");
    ERR(s, "{\"c\":\"other\"}", "arguments.c: must be fixed (got \"other\")");
}

static void test_numbers(void)
{
    const char *s = OBJ("{\"a\":{\"minimum\":1,\"maximum\":10},"
                        "\"b\":{\"exclusiveMinimum\":0,\"exclusiveMaximum\":1.5},"
                        "\"m\":{\"multipleOf\":5},\"f\":{\"multipleOf\":0.1}}");
    OK(s, "{\"a\":1,\"b\":0.5,\"m\":-15,\"f\":0.3}");
    OK(s, "{\"a\":10,\"b\":1.4999,\"m\":10.0,\"f\":12.7}");
    ERR(s, "{\"a\":0}", "arguments.a: must be >= 1 (got 0)");
    ERR(s, "{\"a\":10.5}", "arguments.a: must be <= 10 (got 10.5)");
    ERR(s, "{\"b\":0}", "arguments.b: must be > 0 (got 0)");
    ERR(s, "{\"b\":1.5}", "arguments.b: must be < 1.5 (got 1.5)");
    ERR(s, "{\"m\":7}", "arguments.m: must be a multiple of 5 (got 7)");
    ERR(s, "{\"f\":0.35}", "arguments.f: must be a multiple of 0.1 (got 0.35)");
    OK(s, "{\"name\":\"numbers ignored on strings\",\"a\":5}");
}

static void test_strings(void)
{
    const char *s = OBJ("{\"s\":{\"type\":\"string\",\"minLength\":2,\"maxLength\":3},"
                        "\"p\":{\"type\":\"string\",\"pattern\":\"^[a-z]+$\"},"
                        "\"d\":{\"pattern\":\"^\\\\d{3}-\\\\w+$\"},"
                        "\"br\":{\"pattern\":\"^[\\\\d\\\\-.]+$\"}}");
    OK(s, "{\"s\":\"ab\",\"p\":\"abc\",\"d\":\"123-x_y\",\"br\":\"1-2.3\"}");
    OK(s, "{\"s\":\"日本語\"}"); /* 3 code points, 9 bytes */
    OK(s, "{\"s\":\"héé\"}");
    ERR(s, "{\"s\":\"é\"}", "arguments.s: must be at least 2 characters long (got 1)");
    ERR(s, "{\"s\":\"日本語x\"}", "arguments.s: must be at most 3 characters long (got 4)");
    ERR(s, "{\"p\":\"aB\"}", "arguments.p: must match pattern ^[a-z]+$ (got \"aB\")");
    ERR(s, "{\"d\":\"12-x\"}", "arguments.d: must match pattern");
    ERR(s, "{\"br\":\"1x\"}", "arguments.br: must match pattern");
    ERR(s, "{\"br\":\"1\\\\\"}", "arguments.br: must match pattern"); /* backslash not in class */
    OK("{\"type\":\"object\",\"properties\":{\"x\":{\"pattern\":\"b\"}}}", "{\"x\":\"abc\"}");
    {
        json_t *o = miq_json_packp(utp, "{s:s#}", "p", "abc\0;rm", (int)8);
        const char *m = miq_schema_validate(utp, J(s), o);
        CU_ASSERT(m && strstr(m, "arguments.p: must match pattern ^[a-z]+$ (got \"abc\""));
    }
}

static void test_unchecked_schema(void)
{
    /* validate() on a schema that miq_schema_check() would reject says so instead of crashing */
    ERR(OBJ("{\"x\":{\"pattern\":\"(?=a)\"}}"), "{\"x\":\"a\"}",
        "arguments.x: schema error: pattern does not compile");
    ERR(OBJ("{\"x\":{\"$ref\":\"#/nowhere\"}}"), "{\"x\":1}",
        "arguments.x: schema error: unresolved $ref \"#/nowhere\"");
    ERR(OBJ("{\"x\":false}"), "{\"x\":1}", "arguments.x: no value is allowed here");
    OK(OBJ("{\"x\":false}"), "{}");
}

static void test_formats(void)
{
    const char *s = OBJ("{\"u\":{\"format\":\"uri\"},\"t\":{\"format\":\"date-time\"},"
                        "\"e\":{\"format\":\"email\"}}");
    OK(s, "{\"u\":\"https://example.com/a?b=c\",\"t\":\"2024-01-31T12:00:00Z\",\"e\":\"nope\"}");
    OK(s, "{\"u\":\"urn:isbn:123\",\"t\":\"2024-02-29t23:59:60.123+05:30\"}");
    ERR(s, "{\"u\":\"/relative/path\"}", "arguments.u: must be a URI (got \"/relative/path\")");
    ERR(s, "{\"u\":\"http://a b\"}", "arguments.u: must be a URI");
    ERR(s, "{\"t\":\"2024-01-31\"}", "arguments.t: must be an RFC 3339 date-time");
    ERR(s, "{\"t\":\"2024-13-01T00:00:00Z\"}", "arguments.t: must be an RFC 3339 date-time");
    ERR(s, "{\"t\":\"2024-01-01T00:00:00\"}", "arguments.t: must be an RFC 3339 date-time");
}

static void test_arrays(void)
{
    const char *s = OBJ("{\"a\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"},"
                        "\"minItems\":1,\"maxItems\":3,\"uniqueItems\":true},"
                        "\"t\":{\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"number\"}],"
                        "\"items\":false}}");
    OK(s, "{\"a\":[1,2,3],\"t\":[\"x\",1]}");
    OK(s, "{\"t\":[\"x\"]}");
    ERR(s, "{\"a\":[]}", "arguments.a: must have at least 1 items (got 0)");
    ERR(s, "{\"a\":[1,2,3,4]}", "arguments.a: must have at most 3 items (got 4)");
    ERR(s, "{\"a\":[1,\"2\"]}", "arguments.a[1]: must be integer (got \"2\")");
    ERR(s, "{\"a\":[1,2,1]}", "arguments.a: must not contain duplicates (items 0 and 2 are equal)");
    ERR(s, "{\"t\":[1]}", "arguments.t[0]: must be string (got 1)");
    ERR(s, "{\"t\":[\"x\",1,2]}", "arguments.t[2]: no value is allowed here");
}

static void test_combinators(void)
{
    const char *s = OBJ(
        "{\"one\":{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"number\",\"minimum\":5}]},"
        "\"any\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]},"
        "\"all\":{\"allOf\":[{\"minimum\":0},{\"maximum\":1}]},"
        "\"not\":{\"not\":{\"type\":\"string\"}},"
        "\"src\":{\"oneOf\":[{\"type\":\"object\",\"required\":[\"kind\",\"url\"],"
        "\"properties\":{\"kind\":{\"const\":\"url\"},\"url\":{\"format\":\"uri\"}}},"
        "{\"type\":\"object\",\"required\":[\"kind\",\"id\"],"
        "\"properties\":{\"kind\":{\"const\":\"asset\"},\"id\":{\"type\":\"integer\"}}}]}}");
    OK(s, "{\"one\":1,\"any\":\"x\",\"all\":0.5,\"not\":1}");
    OK(s, "{\"one\":5.5,\"any\":2}");
    OK(s, "{\"src\":{\"kind\":\"asset\",\"id\":4}}");
    ERR(s, "{\"one\":7}",
        "arguments.one: must match exactly one oneOf alternative, but matches 0 and 1");
    ERR(s, "{\"one\":1.5}", "arguments.one: does not match any allowed alternative");
    ERR(s, "{\"any\":1.5}",
        "arguments.any: does not match any allowed alternative (closest: must be string (got "
        "1.5))");
    ERR(s, "{\"all\":2}", "arguments.all: must be <= 1 (got 2)");
    ERR(s, "{\"not\":\"s\"}", "arguments.not: must not match the schema under 'not'");
    /* the closest alternative is the one that failed deepest */
    ERR(s, "{\"src\":{\"kind\":\"asset\",\"id\":\"x\"}}",
        "(closest: arguments.src.id: must be integer (got \"x\"))");
}

static void test_ref(void)
{
    const char *s = "{\"type\":\"object\",\"$defs\":{\"db\":{\"type\":\"number\",\"maximum\":0,"
                    "\"default\":-12}},\"definitions\":{\"tag\":{\"type\":\"string\"}},"
                    "\"properties\":{\"level\":{\"$ref\":\"#/$defs/db\"},"
                    "\"tags\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/definitions/tag\"}}}}";
    CU_ASSERT_PTR_NULL(C(s));
    OK(s, "{\"level\":-1,\"tags\":[\"a\"]}");
    ERR(s, "{\"level\":1}", "arguments.level: must be <= 0 (got 1)");
    ERR(s, "{\"tags\":[\"a\",2]}", "arguments.tags[1]: must be string (got 2)");
    /* recursive tree */
    s = "{\"type\":\"object\",\"$ref\":\"#/$defs/node\",\"$defs\":{\"node\":{\"type\":\"object\","
        "\"required\":[\"name\"],\"properties\":{\"name\":{\"type\":\"string\"},"
        "\"children\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/node\"}}}}}}";
    CU_ASSERT_PTR_NULL(C(s));
    OK(s, "{\"name\":\"a\",\"children\":[{\"name\":\"b\",\"children\":[{\"name\":\"c\"}]}]}");
    ERR(s, "{\"name\":\"a\",\"children\":[{\"name\":\"b\",\"children\":[{}]}]}",
        "arguments.children[0].children[0]: missing required property 'name'");
}

static void test_depth_and_size(void)
{
    const char *s = "{\"type\":\"object\",\"$defs\":{\"n\":{\"type\":\"object\","
                    "\"properties\":{\"c\":{\"$ref\":\"#/$defs/n\"}}}},"
                    "\"properties\":{\"c\":{\"$ref\":\"#/$defs/n\"}}}";
    char inst[4096] = "", *w = inst;
    const char *m;
    int i;
    for (i = 0; i < 100; i++)
        w = stpcpy(w, "{\"c\":");
    w = stpcpy(w, "{}");
    for (i = 0; i < 100; i++)
        *w++ = '}';
    *w = '\0';
    ERR(s, inst, "nesting too deep (limit 64)");
    m = V(s, inst);
    CU_ASSERT(m && strlen(m) < 200); /* the path is elided */
    /* the budget: uniqueItems over 2000 items is 2M comparisons */
    {
        json_t *arr = json_array(), *o = json_object();
        for (i = 0; i < 2000; i++)
            json_array_append_new(arr, json_integer(i));
        json_object_set_new(o, "a", arr);
        miq_json_pool(utp, o);
        m = miq_schema_validate(
            utp, J(OBJ("{\"a\":{\"anyOf\":[{\"uniqueItems\":true},{\"type\":\"null\"}]}}")), o);
        CU_ASSERT(m && !strcmp(m, "arguments.a: input too large to validate"));
    }
    /* a 500-byte value is quoted at most 60 bytes */
    {
        char big[600];
        memset(big, 'x', 500);
        big[500] = '\0';
        m = V(OBJ("{\"x\":{\"type\":\"integer\"}}"), apr_psprintf(utp, "{\"x\":\"%s\"}", big));
        CU_ASSERT(m && strstr(m, "...") && strlen(m) < 120);
        m = V("{\"type\":\"object\",\"additionalProperties\":false}",
              apr_psprintf(utp, "{\"%s\":1}", big));
        CU_ASSERT(m && strstr(m, "...") && strlen(m) < 120);
        m = V(OBJ("{\"x\":{\"maxLength\":5}}"),
              "{\"x\":\"日本語日本語日本語日本語日本語日本語日本語日本語日本語\"}");
        CU_ASSERT_PTR_NOT_NULL(m); /* no pattern/format: message does not quote it */
    }
}

static void test_defaults(void)
{
    const char *s = "{\"type\":\"object\",\"$defs\":{\"db\":{\"type\":\"number\",\"default\":-12}},"
                    "\"properties\":{\"format\":{\"type\":\"string\",\"default\":\"mp4\"},"
                    "\"level\":{\"$ref\":\"#/$defs/db\"},\"n\":{\"type\":\"integer\"},"
                    "\"opts\":{\"type\":\"object\",\"default\":{},\"properties\":{"
                    "\"fast\":{\"type\":\"boolean\",\"default\":true}}},"
                    "\"list\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
                    "\"w\":{\"type\":\"integer\",\"default\":1}}}}}}";
    json_t *in = J("{\"format\":\"webm\",\"n\":3.0,\"list\":[{},{\"w\":5}]}");
    json_t *out = miq_schema_with_defaults(utp, J(s), in);
    CU_ASSERT_STRING_EQUAL(miq_json_str(out, "format", ""), "webm");
    CU_ASSERT_EQUAL(miq_json_num(out, "level", 0), -12);
    CU_ASSERT(json_is_integer(json_object_get(out, "n")));
    CU_ASSERT(json_is_true(json_object_get(json_object_get(out, "opts"), "fast")));
    CU_ASSERT_EQUAL(miq_json_int(json_array_get(json_object_get(out, "list"), 0), "w", 0), 1);
    CU_ASSERT_EQUAL(miq_json_int(json_array_get(json_object_get(out, "list"), 1), "w", 0), 5);
    CU_ASSERT_PTR_NULL(json_object_get(in, "level")); /* input untouched */
    CU_ASSERT(json_is_real(json_object_get(in, "n")));
    CU_ASSERT_PTR_NULL(miq_schema_validate(utp, J(s), out));
    out = miq_schema_with_defaults(utp, J(s), NULL);
    CU_ASSERT_STRING_EQUAL(miq_json_str(out, "format", ""), "mp4");
    CU_ASSERT_EQUAL(json_object_size(out), 3);
}

static void test_check(void)
{
    CU_ASSERT_PTR_NULL(C("{\"type\":\"object\"}"));
    CU_ASSERT_PTR_NULL(C("{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\","
                         "\"type\":\"object\",\"title\":\"t\",\"properties\":{\"a\":true,"
                         "\"b\":{\"type\":[\"string\",\"null\"],\"pattern\":\"^\\\\w+$\","
                         "\"examples\":[\"x\"]}},\"additionalProperties\":false,\"x-vendor\":1}"));
    CHK("[]", "schema: must be a JSON object");
    CHK("{\"type\":\"array\"}", "root schema must have type \"object\"");
    CHK("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"text\"}}}",
        "schema.properties.a.type: unknown type");
    CHK("{\"type\":\"object\",\"properties\":{\"a\":{\"minLength\":-1}}}",
        "schema.properties.a.minLength: must be a non-negative integer");
    CHK("{\"type\":\"object\",\"required\":\"a\"}", "schema.required: must be an array of strings");
    CHK("{\"type\":\"object\",\"properties\":[]}", "schema.properties: must be an object");
    CHK("{\"type\":\"object\",\"properties\":{\"a\":3}}", "schema.properties.a: must be a schema");
    CHK("{\"type\":\"object\",\"properties\":{\"a\":{\"maximum\":\"3\"}}}",
        "schema.properties.a.maximum: must be a number");
    CHK("{\"type\":\"object\",\"properties\":{\"a\":{\"exclusiveMinimum\":true}}}",
        "draft-04 boolean form");
    CHK("{\"type\":\"object\",\"properties\":{\"a\":{\"multipleOf\":0}}}",
        "schema.properties.a.multipleOf: must be a number greater than 0");
    CHK("{\"type\":\"object\",\"properties\":{\"a\":{\"pattern\":\"(unclosed\"}}}",
        "schema.properties.a.pattern: must be a regular expression that compiles");
    CHK("{\"type\":\"object\",\"properties\":{\"a\":{\"pattern\":\"(?=x)\"}}}",
        "schema.properties.a.pattern");
    CHK("{\"type\":\"object\",\"patternProperties\":{\"[\":{}}}",
        "schema.patternProperties: pattern \"[\" does not compile");
    CHK("{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/$defs/missing\"}}}",
        "schema.properties.a.$ref: $ref \"#/$defs/missing\" does not resolve to a schema");
    CHK("{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"http://x/s.json\"}}}",
        "must be a local reference");
    CHK("{\"type\":\"object\",\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},\"b\":{\"$ref\":\"#/$defs/"
        "a\"}}}",
        "circular $ref");
    CHK("{\"type\":\"object\",\"anyOf\":[]}", "schema.anyOf: must be a non-empty array of schemas");
    CHK("{\"type\":\"object\",\"oneOf\":[{},{\"type\":1}]}", "schema.oneOf[1].type");
    CHK("{\"type\":\"object\",\"properties\":{\"a\":{\"items\":[{}]}}}", "use prefixItems");
    CHK("{\"type\":\"object\",\"properties\":{\"a\":{\"uniqueItems\":1}}}",
        "schema.properties.a.uniqueItems: must be a boolean");
}

MIQ_SUITE("schema", MIQ_TEST(test_type), MIQ_TEST(test_required_additional),
          MIQ_TEST(test_nested_path), MIQ_TEST(test_enum_const), MIQ_TEST(test_numbers),
          MIQ_TEST(test_strings), MIQ_TEST(test_unchecked_schema), MIQ_TEST(test_formats),
          MIQ_TEST(test_arrays), MIQ_TEST(test_combinators), MIQ_TEST(test_ref),
          MIQ_TEST(test_depth_and_size), MIQ_TEST(test_defaults), MIQ_TEST(test_check))
