/*-------------------------------------------------------------------------
 *
 * functions.c
 *	  Mask functions (dpq.mask_*) and the masking key.
 *
 * Every mask function is total on its input domain: a value it cannot
 * make sense of (an e-mail address without '@', a card number with
 * letters in it, a timestamp the truncation cannot represent) yields a
 * redacted value, never an error, and no error raised here ever quotes a
 * data value.  The only errors are about the call itself (an unknown
 * date field, a negative noise fraction) or about dpq's state (no key).
 *
 * The keyed masks (mask_hash, mask_noise) use HMAC-SHA256 with the key
 * kept in the one-row table dpq.mask_key.  That table grants nothing to
 * anyone and has row-level security forced with no policy, so only
 * superusers read it.  The key is read here without SPI and without a
 * permission check (the functions run in parallel workers and for roles
 * with no right on the table), cached in backend-local memory, and the
 * cache is dropped on a relcache invalidation of the table: the table's
 * trigger and set_mask_key send one whenever its rows change.
 *
 * IDENTIFICATION
 *	  src/masking/functions.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "port/pg_bitutils.h"

#include <math.h>
#include <sys/socket.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/hmac.h"
#include "common/sha2.h"
#include "mb/pg_wchar.h"
#include "port/pg_bitutils.h"
#include "port/pg_bswap.h"
#include "miscadmin.h"
#include "parser/scansup.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/inet.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "dpq.h"
#include "masking.h"

PG_FUNCTION_INFO_V1(dpq_mask_email);
PG_FUNCTION_INFO_V1(dpq_mask_partial);
PG_FUNCTION_INFO_V1(dpq_mask_hash);
PG_FUNCTION_INFO_V1(dpq_mask_phone);
PG_FUNCTION_INFO_V1(dpq_mask_card);
PG_FUNCTION_INFO_V1(dpq_mask_ip);
PG_FUNCTION_INFO_V1(dpq_mask_date);
PG_FUNCTION_INFO_V1(dpq_mask_date_timestamp);
PG_FUNCTION_INFO_V1(dpq_mask_noise);
PG_FUNCTION_INFO_V1(dpq_mask_noise_int4);
PG_FUNCTION_INFO_V1(dpq_mask_noise_int8);
PG_FUNCTION_INFO_V1(dpq_mask_noise_float8);
PG_FUNCTION_INFO_V1(dpq_mask_redact);
PG_FUNCTION_INFO_V1(dpq_random_key);
PG_FUNCTION_INFO_V1(dpq_set_mask_key);
PG_FUNCTION_INFO_V1(dpq_mask_key_changed);

/* what a text mask returns for input it cannot make sense of */
#define DPQ_REDACTED		"[REDACTED]"
#define DPQ_MASK_CHAR		'*'

/* the masking key: bounds also enforced by a CHECK on dpq.mask_key */
#define DPQ_KEY_TABLE		"mask_key"
#define DPQ_KEY_MIN_LEN		16
#define DPQ_KEY_MAX_LEN		1024
#define DPQ_RANDOM_KEY_LEN	32

/* mask_phone: digits a phone number may have */
#define DPQ_PHONE_MIN_DIGITS	6
#define DPQ_PHONE_MAX_DIGITS	20

/* mask_card: digits a payment card number may have (ISO/IEC 7812) */
#define DPQ_CARD_MIN_DIGITS		12
#define DPQ_CARD_MAX_DIGITS		19
#define DPQ_CARD_KEEP			4

/*
 * mask_date: truncation moves a value back by up to a millennium, and
 * PostgreSQL's timestamps start in 4714 BC; values earlier than this
 * (1 January 4000 BC, astronomical year -3999) yield NULL rather than an
 * out-of-range error.
 */
#define DPQ_DATE_MIN_YEAR	(-3999)

/* mask_noise: HMAC message prefix; text data never contains a NUL byte */
static const char noise_label[] = "dpq.mask_noise";

/*
 * The key cache.  relid is set before the table is read so that an
 * invalidation that arrives while it is being read is not lost.
 */
static struct
{
	bool		valid;
	Oid			relid;
	int			len;
	uint8		bytes[DPQ_KEY_MAX_LEN];
}			key_cache;

/* ------------------------------------------------------------------------
 * The masking key
 * ------------------------------------------------------------------------
 */

static void
key_cache_forget(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || relid == key_cache.relid)
	{
		if (key_cache.valid)
			explicit_bzero(key_cache.bytes, sizeof(key_cache.bytes));
		key_cache.valid = false;
		key_cache.len = 0;
	}
}

void
dpq_masking_functions_init(void)
{
	CacheRegisterRelcacheCallback(key_cache_forget, (Datum) 0);
}

/*
 * OID of dpq.mask_key: looked up in the schema of the calling function
 * (the extension's schema), or in schema dpq when called directly.
 */
static Oid
key_table_oid(FunctionCallInfo fcinfo)
{
	Oid			nsp = InvalidOid;
	Oid			relid = InvalidOid;

	if (fcinfo->flinfo != NULL && OidIsValid(fcinfo->flinfo->fn_oid))
		nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
	if (!OidIsValid(nsp))
		nsp = get_namespace_oid(DPQ_SCHEMA, true);
	if (OidIsValid(nsp))
		relid = get_relname_relid(DPQ_KEY_TABLE, nsp);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("dpq masking key table \"%s.%s\" is missing",
						DPQ_SCHEMA, DPQ_KEY_TABLE),
				 errhint("Reinstall the extension with DROP EXTENSION dpq; CREATE EXTENSION dpq.")));
	return relid;
}

/*
 * Read the key from dpq.mask_key into the cache.  No SPI and no
 * permission check: a heap scan with a fresh catalog-style MVCC snapshot,
 * which also works in parallel workers.  The snapshot is fresh (not the
 * query's) so that what is cached is the latest committed key, which the
 * next invalidation of the table replaces.
 */
static void
key_cache_load(FunctionCallInfo fcinfo)
{
	Oid			relid = key_table_oid(fcinfo);
	Relation	rel;
	TupleDesc	desc;
	SysScanDesc scan;
	HeapTuple	tuple;
	bool		found = false;

	key_cache.valid = false;
	key_cache.relid = relid;

	rel = table_open(relid, AccessShareLock);
	desc = RelationGetDescr(rel);
	if (desc->natts < 1 || TupleDescAttr(desc, 0)->atttypid != BYTEAOID)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("dpq masking key table \"%s.%s\" has been altered",
						DPQ_SCHEMA, DPQ_KEY_TABLE),
				 errhint("Reinstall the extension with DROP EXTENSION dpq; CREATE EXTENSION dpq.")));

	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (!found && (tuple = systable_getnext(scan)) != NULL)
	{
		bool		isnull;
		Datum		d = heap_getattr(tuple, 1, desc, &isnull);
		bytea	   *key;
		int			len;

		if (isnull)
			continue;
		key = DatumGetByteaPP(d);
		len = VARSIZE_ANY_EXHDR(key);
		if (len >= DPQ_KEY_MIN_LEN && len <= DPQ_KEY_MAX_LEN)
		{
			memcpy(key_cache.bytes, VARDATA_ANY(key), len);
			key_cache.len = len;
			found = true;
		}
		if ((Pointer) key != DatumGetPointer(d))
		{
			explicit_bzero(key, VARSIZE_ANY(key));
			pfree(key);
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the dpq masking key is not set"),
				 errhint("A superuser sets it with dpq.set_mask_key().")));
	key_cache.valid = true;
}

/*
 * The HMAC context, created once per backend.  pg_hmac_create ties a
 * context to CurrentResourceOwner, which a transaction releases (with a
 * leak warning); it is created under a resource owner of dpq's own that
 * is never released, so that it outlives transactions.  Creating and
 * freeing a context per call costs more than the hash itself.
 */
static pg_hmac_ctx *
hmac_context(void)
{
	static ResourceOwner owner = NULL;
	static pg_hmac_ctx *ctx = NULL;
	ResourceOwner save;

	if (ctx != NULL)
		return ctx;
	if (owner == NULL)
		owner = ResourceOwnerCreate(NULL, "dpq masking key");
	save = CurrentResourceOwner;
	CurrentResourceOwner = owner;
	PG_TRY();
	{
		ctx = pg_hmac_create(PG_SHA256);
	}
	PG_FINALLY();
	{
		CurrentResourceOwner = save;
	}
	PG_END_TRY();
	if (ctx == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	return ctx;
}

/* HMAC-SHA256(key, prefix || data) into out */
static void
mask_hmac(FunctionCallInfo fcinfo, const char *prefix, size_t prefixlen,
		  const char *data, size_t len, uint8 *out)
{
	pg_hmac_ctx *ctx;

	if (!key_cache.valid)
		key_cache_load(fcinfo);
	ctx = hmac_context();
	if (pg_hmac_init(ctx, key_cache.bytes, key_cache.len) < 0 ||
		(prefixlen > 0 &&
		 pg_hmac_update(ctx, (const uint8 *) prefix, prefixlen) < 0) ||
		pg_hmac_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_hmac_final(ctx, out, PG_SHA256_DIGEST_LENGTH) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute HMAC-SHA256: %s",
						pg_hmac_error(ctx))));
}

/* ------------------------------------------------------------------------
 * Text helpers (characters in the database encoding)
 * ------------------------------------------------------------------------
 */

static text *
redacted_text(void)
{
	return cstring_to_text(DPQ_REDACTED);
}

/* length in bytes of the character at p, never past end */
static inline int
char_len(const char *p, const char *end)
{
	int			l = pg_mblen(p);

	if (l < 1)
		l = 1;
	return Min(l, end - p);
}

/* pg_database_encoding_max_length(), which cannot change in a backend */
static inline int
encoding_max_length(void)
{
	static int	max_length = 0;

	if (max_length == 0)
		max_length = pg_database_encoding_max_length();
	return max_length;
}

/* whether s is all ASCII: then characters are bytes */
static bool
all_ascii(const char *s, int len)
{
	int			i;

	if (encoding_max_length() == 1)
		return true;
	for (i = 0; i < len; i++)
		if (IS_HIGHBIT_SET(s[i]))
			return false;
	return true;
}

/* byte offset of the character number nchars (0-based) of s */
static int
char_offset(const char *s, int len, int nchars, bool ascii)
{
	const char *p = s;
	const char *end = s + len;

	if (ascii)
		return Min(nchars, len);
	while (nchars-- > 0 && p < end)
		p += char_len(p, end);
	return p - s;
}

/*
 * s with its first keep_first and last keep_last characters kept (nchars
 * is its length in characters, keep_first + keep_last <= nchars) and each
 * other character replaced by pad, followed by suffix.
 */
static text *
mask_chars(const char *s, int len, bool ascii, int nchars,
		   int keep_first, int keep_last, const char *pad, int padlen,
		   const char *suffix, int suffixlen)
{
	int			nmasked = nchars - keep_first - keep_last;
	int			head;
	int			tail;
	Size		outlen;
	text	   *result;
	char	   *out;
	int			i;

	Assert(nmasked >= 0);
	head = char_offset(s, len, keep_first, ascii);
	tail = head + char_offset(s + head, len - head, nmasked, ascii);
	outlen = (Size) head + (Size) nmasked * padlen + (len - tail) + suffixlen;
	if (outlen > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("masked value would exceed the maximum text size")));

	result = (text *) palloc(VARHDRSZ + outlen);
	SET_VARSIZE(result, VARHDRSZ + outlen);
	out = VARDATA(result);
	memcpy(out, s, head);
	out += head;
	if (padlen == 1)
	{
		memset(out, pad[0], nmasked);
		out += nmasked;
	}
	else
	{
		for (i = 0; i < nmasked; i++)
		{
			memcpy(out, pad, padlen);
			out += padlen;
		}
	}
	memcpy(out, s + tail, len - tail);
	out += len - tail;
	if (suffixlen > 0)
		memcpy(out, suffix, suffixlen);
	return result;
}

/* number of characters of s, in the database encoding */
static int
char_count(const char *s, int len, bool ascii)
{
	if (ascii)
		return len;
	return pg_mbstrlen_with_len(s, len);
}

/* ------------------------------------------------------------------------
 * mask_email(text) -> text
 *
 * The domain (after the last '@') is kept; the local part is masked one
 * '*' per character, keeping its first character when it has at least
 * three.  Not an address (no '@', empty local part or domain, whitespace
 * or a control character anywhere) -> '[REDACTED]'.
 * ------------------------------------------------------------------------
 */
/*
 * Word-at-a-time byte tests on 8 bytes, exact per byte (no carry crosses
 * bytes): each sets the high bit of every byte of v that matches.
 */
#define SWAR_ONES		UINT64CONST(0x0101010101010101)
#define SWAR_LOWS		UINT64CONST(0x7f7f7f7f7f7f7f7f)
#define SWAR_HIGHS		UINT64CONST(0x8080808080808080)

/* the 8 bytes at p, the first one in the lowest bits */
static inline uint64
swar_load(const char *p)
{
	uint64		v;

	memcpy(&v, p, sizeof(v));
#ifdef WORDS_BIGENDIAN
	v = pg_bswap64(v);
#endif
	return v;
}

/* bytes equal to b */
static inline uint64
swar_eq(uint64 v, unsigned char b)
{
	uint64		x = v ^ (SWAR_ONES * b);

	return ~(((x & SWAR_LOWS) + SWAR_LOWS) | x) & SWAR_HIGHS;
}

/* bytes below n (1 <= n <= 128) */
static inline uint64
swar_below(uint64 v, unsigned char n)
{
	return ~(((v & SWAR_LOWS) + SWAR_ONES * (0x80 - n)) | v) & SWAR_HIGHS;
}

Datum
dpq_mask_email(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	int			at = -1;
	int			first_high = -1;
	int			nchars;
	bool		ascii;
	int			i;
	char		mask = DPQ_MASK_CHAR;

	/*
	 * One pass, 8 bytes at a time, finds the last '@', refuses whitespace
	 * and control bytes and notes the first non-ASCII byte.  Server
	 * encodings are ASCII-safe, so these bytes are characters.  The last
	 * word overlaps the one before (or, for short values, is padded with
	 * letters); the overlap can only find the same bytes again.
	 */
	for (i = 0; i < len; i += sizeof(uint64))
	{
		uint64		v;
		uint64		m;
		int			base = i;

		if (len - i >= (int) sizeof(uint64))
			v = swar_load(s + i);
		else if (len >= (int) sizeof(uint64))
		{
			base = len - sizeof(uint64);
			v = swar_load(s + base);
		}
		else
		{
			char		buf[sizeof(uint64)];

			memset(buf, 'a', sizeof(buf));
			memcpy(buf, s, len);
			v = swar_load(buf);
		}

		if (swar_below(v, '!') | swar_eq(v, 0x7f))
			PG_RETURN_TEXT_P(redacted_text());
		m = swar_eq(v, '@');
		if (m)
			at = base + pg_leftmost_one_pos64(m) / BITS_PER_BYTE;
		m = v & SWAR_HIGHS;
		if (m && first_high < 0)
			first_high = base + pg_rightmost_one_pos64(m) / BITS_PER_BYTE;
	}
	if (at <= 0 || at == len - 1)
		PG_RETURN_TEXT_P(redacted_text());

	ascii = first_high < 0 || first_high > at || encoding_max_length() == 1;
	if (ascii)
	{
		/* the common case: bytes are characters, the result is as long */
		text	   *result = (text *) palloc(VARHDRSZ + len);
		char	   *out = VARDATA(result);
		int			keep = at >= 3 ? 1 : 0;

		SET_VARSIZE(result, VARHDRSZ + len);
		out[0] = s[0];
		memset(out + keep, DPQ_MASK_CHAR, at - keep);
		memcpy(out + at, s + at, len - at);
		PG_RETURN_TEXT_P(result);
	}
	nchars = char_count(s, at, ascii);
	PG_RETURN_TEXT_P(mask_chars(s, at, ascii, nchars, nchars >= 3 ? 1 : 0, 0,
								&mask, 1, s + at, len - at));
}

/* ------------------------------------------------------------------------
 * mask_partial(text, keep_first int, keep_last int, pad text) -> text
 *
 * Keeps the first keep_first and last keep_last characters and replaces
 * each other character by pad.  Negative counts count as 0.  When the
 * kept characters would cover the whole value, every character is masked:
 * the clear value is never returned (except the empty string).
 * ------------------------------------------------------------------------
 */
Datum
dpq_mask_partial(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	int32		keep_first = Max(PG_GETARG_INT32(1), 0);
	int32		keep_last = Max(PG_GETARG_INT32(2), 0);
	text	   *pad = PG_GETARG_TEXT_PP(3);
	const char *s = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	bool		ascii = all_ascii(s, len);
	int			nchars = char_count(s, len, ascii);

	if ((int64) keep_first + keep_last >= nchars)
		keep_first = keep_last = 0;
	PG_RETURN_TEXT_P(mask_chars(s, len, ascii, nchars, keep_first, keep_last,
								VARDATA_ANY(pad), VARSIZE_ANY_EXHDR(pad),
								NULL, 0));
}

/* ------------------------------------------------------------------------
 * mask_hash(text) -> text
 *
 * Lower-case hex of HMAC-SHA256(key, the value's bytes): the same as
 * encode(hmac(value, key, 'sha256'), 'hex') with pgcrypto.
 * ------------------------------------------------------------------------
 */
Datum
dpq_mask_hash(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	text	   *result;

	mask_hmac(fcinfo, NULL, 0, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), digest);
	result = (text *) palloc(VARHDRSZ + 2 * PG_SHA256_DIGEST_LENGTH);
	SET_VARSIZE(result, VARHDRSZ + 2 * PG_SHA256_DIGEST_LENGTH);
	hex_encode((const char *) digest, PG_SHA256_DIGEST_LENGTH,
			   VARDATA(result));
	PG_RETURN_TEXT_P(result);
}

/* ------------------------------------------------------------------------
 * mask_phone(text) -> text
 *
 * Characters allowed: digits, space and + - . ( ) /.  With 6 to 20
 * digits, every digit but the last 2 (6-7 digits), 3 (8-9) or 4 (10 or
 * more) becomes '*' and everything else stays in place.  Anything else
 * (letters, an extension, too few or too many digits) -> '[REDACTED]'.
 * ------------------------------------------------------------------------
 */
Datum
dpq_mask_phone(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	int			ndigits = 0;
	int			keep;
	int			seen = 0;
	text	   *result;
	char	   *out;
	int			i;

	for (i = 0; i < len; i++)
	{
		if (s[i] >= '0' && s[i] <= '9')
			ndigits++;
		else if (strchr(" +-.()/", s[i]) == NULL || s[i] == '\0')
			PG_RETURN_TEXT_P(redacted_text());
	}
	if (ndigits < DPQ_PHONE_MIN_DIGITS || ndigits > DPQ_PHONE_MAX_DIGITS)
		PG_RETURN_TEXT_P(redacted_text());
	keep = ndigits >= 10 ? 4 : ndigits >= 8 ? 3 : 2;

	result = (text *) palloc(VARHDRSZ + len);
	SET_VARSIZE(result, VARHDRSZ + len);
	out = VARDATA(result);
	for (i = 0; i < len; i++)
	{
		if (s[i] >= '0' && s[i] <= '9' && seen++ < ndigits - keep)
			out[i] = DPQ_MASK_CHAR;
		else
			out[i] = s[i];
	}
	PG_RETURN_TEXT_P(result);
}

/* ------------------------------------------------------------------------
 * mask_card(text, luhn boolean) -> text
 *
 * Characters allowed: digits, space and '-'; 12 to 19 digits.  The last
 * four digits and the separators stay; the other digits become '*', or
 * with luhn => true '0' except the one just before the last four, chosen
 * so that the digits pass the Luhn check.  Anything else -> '[REDACTED]'.
 * ------------------------------------------------------------------------
 */
Datum
dpq_mask_card(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	bool		luhn = PG_GETARG_BOOL(1);
	const char *s = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	int			ndigits = 0;
	int			seen = 0;
	int			adjust = -1;	/* byte offset of the Luhn digit */
	int			sum = 0;
	text	   *result;
	char	   *out;
	int			i;

	for (i = 0; i < len; i++)
	{
		if (s[i] >= '0' && s[i] <= '9')
			ndigits++;
		else if (s[i] != ' ' && s[i] != '-')
			PG_RETURN_TEXT_P(redacted_text());
	}
	if (ndigits < DPQ_CARD_MIN_DIGITS || ndigits > DPQ_CARD_MAX_DIGITS)
		PG_RETURN_TEXT_P(redacted_text());

	result = (text *) palloc(VARHDRSZ + len);
	SET_VARSIZE(result, VARHDRSZ + len);
	out = VARDATA(result);
	for (i = 0; i < len; i++)
	{
		int			d;
		int			pos;		/* 1 = the rightmost digit */

		out[i] = s[i];
		if (s[i] < '0' || s[i] > '9')
			continue;
		pos = ndigits - seen++;
		if (pos > DPQ_CARD_KEEP)
			out[i] = luhn ? '0' : DPQ_MASK_CHAR;
		if (pos == DPQ_CARD_KEEP + 1)
			adjust = i;
		/* Luhn: double every second digit from the right */
		d = out[i] - '0';
		if (luhn && pos <= DPQ_CARD_KEEP)
		{
			if (pos % 2 == 0)
				d = d * 2 > 9 ? d * 2 - 9 : d * 2;
			sum += d;
		}
	}
	/* the adjusted digit is at an odd position: it is not doubled */
	if (luhn && adjust >= 0)
		out[adjust] = '0' + (10 - sum % 10) % 10;
	PG_RETURN_TEXT_P(result);
}

/* ------------------------------------------------------------------------
 * mask_ip(inet, v4_prefix int, v6_prefix int) -> inet
 *
 * Zeroes the host bits past the prefix (24 for IPv4 and 48 for IPv6 by
 * default, clamped to the address size) and returns the network with
 * that netmask, or with the value's own netmask when it is shorter.
 * ------------------------------------------------------------------------
 */
Datum
dpq_mask_ip(PG_FUNCTION_ARGS)
{
	inet	   *ip = PG_GETARG_INET_PP(0);
	int32		prefix;
	int			bits;
	unsigned char *src;
	unsigned char *dst;
	inet	   *result;
	int			i;

	prefix = ip_family(ip) == PGSQL_AF_INET ? PG_GETARG_INT32(1)
		: PG_GETARG_INT32(2);
	prefix = Max(prefix, 0);
	bits = Min(prefix, ip_bits(ip));

	result = (inet *) palloc0(sizeof(inet));
	ip_family(result) = ip_family(ip);
	ip_bits(result) = bits;
	src = ip_addr(ip);
	dst = ip_addr(result);
	for (i = 0; i < ip_addrsize(ip); i++)
	{
		int			keep = bits - i * 8;

		if (keep >= 8)
			dst[i] = src[i];
		else if (keep > 0)
			dst[i] = src[i] & (0xff << (8 - keep));
	}
	SET_INET_VARSIZE(result);
	PG_RETURN_INET_P(result);
}

/* ------------------------------------------------------------------------
 * mask_date(date | timestamp | timestamptz, field text)
 *
 * date_trunc(field, value), with timestamptz truncated in UTC whatever
 * the session's TimeZone (so the result depends on the value only).
 * Infinite values stay infinite; values too early to truncate -> NULL.
 * ------------------------------------------------------------------------
 */

/*
 * Check the field once per call site (fn_extra keeps the last field found
 * valid): an unknown field is an error about the field, never the value,
 * and the same for every input type.
 */
static void
check_date_field(FunctionCallInfo fcinfo, text *field)
{
	FmgrInfo   *flinfo = fcinfo->flinfo;
	text	   *last = flinfo ? (text *) flinfo->fn_extra : NULL;
	int			len = VARSIZE_ANY_EXHDR(field);
	char	   *lowunits;
	int			type;
	int			val = 0;
	bool		ok = false;

	if (last != NULL && VARSIZE_ANY_EXHDR(last) == len &&
		memcmp(VARDATA_ANY(last), VARDATA_ANY(field), len) == 0)
		return;

	lowunits = downcase_truncate_identifier(VARDATA_ANY(field), len, false);
	type = DecodeUnits(0, lowunits, &val);
	if (type == UNKNOWN_FIELD)
		type = DecodeSpecial(0, lowunits, &val);
	if (type == UNITS)
	{
		switch (val)
		{
			case DTK_MILLENNIUM:
			case DTK_CENTURY:
			case DTK_DECADE:
			case DTK_YEAR:
			case DTK_QUARTER:
			case DTK_MONTH:
			case DTK_WEEK:
			case DTK_DAY:
			case DTK_HOUR:
			case DTK_MINUTE:
			case DTK_SECOND:
			case DTK_MILLISEC:
			case DTK_MICROSEC:
				ok = true;
				break;
			default:
				break;
		}
	}
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dpq.mask_date does not truncate to \"%s\"", lowunits),
				 errhint("Use one of millennium, century, decade, year, quarter, month, week, day, hour, minute, second, milliseconds, microseconds.")));

	if (flinfo != NULL)
	{
		if (last != NULL)
			pfree(last);
		flinfo->fn_extra = MemoryContextAlloc(flinfo->fn_mcxt, VARSIZE_ANY(field));
		memcpy(flinfo->fn_extra, field, VARSIZE_ANY(field));
	}
}

/* date_trunc on a timestamp; false when the value is too early */
static bool
trunc_timestamp(FunctionCallInfo fcinfo, text *field, Timestamp ts,
				Timestamp *result)
{
	static Timestamp min_ts = 0;

	check_date_field(fcinfo, field);
	if (min_ts == 0)
		min_ts = (Timestamp) (date2j(DPQ_DATE_MIN_YEAR, 1, 1) -
							  POSTGRES_EPOCH_JDATE) * USECS_PER_DAY;
	if (!TIMESTAMP_NOT_FINITE(ts) && ts < min_ts)
		return false;
	*result = DatumGetTimestamp(DirectFunctionCall2(timestamp_trunc,
													PointerGetDatum(field),
													TimestampGetDatum(ts)));
	return true;
}

/* date */
Datum
dpq_mask_date(PG_FUNCTION_ARGS)
{
	DateADT		d = PG_GETARG_DATEADT(0);
	text	   *field = PG_GETARG_TEXT_PP(1);
	int			overflow = 0;
	Timestamp	ts;

	ts = date2timestamp_opt_overflow(d, &overflow);
	if (overflow != 0 || !trunc_timestamp(fcinfo, field, ts, &ts))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(DirectFunctionCall1(timestamp_date,
										TimestampGetDatum(ts)));
}

/*
 * timestamp and timestamptz: a timestamptz is microseconds since
 * 2000-01-01 00:00 UTC, which is the timestamp of its UTC wall clock, so
 * truncating it as a timestamp truncates it in UTC.
 */
Datum
dpq_mask_date_timestamp(PG_FUNCTION_ARGS)
{
	Timestamp	ts = PG_GETARG_TIMESTAMP(0);
	text	   *field = PG_GETARG_TEXT_PP(1);

	if (!trunc_timestamp(fcinfo, field, ts, &ts))
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMP(ts);
}

/* ------------------------------------------------------------------------
 * mask_noise(numeric | int4 | int8 | float8, fraction float8)
 *
 * value * (1 + fraction * u), u in [-1, 1) taken from
 * HMAC-SHA256(key, 'dpq.mask_noise' NUL canonical text of the value):
 * the same value and key always give the same noisy value, so averaging
 * repeated queries does not remove the noise.  numeric is rounded to the
 * value's scale and integers to integers (clamped to the type's range).
 * NaN and infinities -> NULL.
 * ------------------------------------------------------------------------
 */

static void
check_fraction(float8 fraction)
{
	if (isnan(fraction) || isinf(fraction) || fraction < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("noise fraction must be a finite number greater than or equal to 0")));
}

/* u in [-1, 1) for the canonical text of a value */
static float8
noise_unit(FunctionCallInfo fcinfo, const char *canon)
{
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	uint64		x = 0;
	int			i;

	mask_hmac(fcinfo, noise_label, sizeof(noise_label), canon, strlen(canon),
			  digest);
	for (i = 0; i < 8; i++)
		x = (x << 8) | digest[i];
	/* 53 random bits: an exact double in [0, 1), then [-1, 1) */
	return ldexp((float8) (x >> 11), -53) * 2.0 - 1.0;
}

/* noisy numeric, rounded to scale; num is finite */
static Numeric
noisy_numeric(FunctionCallInfo fcinfo, Numeric num, const char *canon,
			  float8 fraction, int32 scale)
{
	float8		factor = 1.0 + fraction * noise_unit(fcinfo, canon);
	Datum		factor_num;
	Datum		result;

	/* 15 decimals, without float8_numeric's trip through a string */
	if (fabs(factor) < 9000.0)
		factor_num = NumericGetDatum(int64_div_fast_to_numeric((int64) rint(factor * 1e15),
															   15));
	else
		factor_num = DirectFunctionCall1(float8_numeric,
										 Float8GetDatum(factor));
	result = DirectFunctionCall2(numeric_mul, NumericGetDatum(num), factor_num);
	result = DirectFunctionCall2(numeric_round, result, Int32GetDatum(scale));
	return DatumGetNumeric(result);
}

Datum
dpq_mask_noise(PG_FUNCTION_ARGS)
{
	Numeric		num = PG_GETARG_NUMERIC(0);
	float8		fraction = PG_GETARG_FLOAT8(1);
	int32		scale;

	check_fraction(fraction);
	if (numeric_is_nan(num) || numeric_is_inf(num))
		PG_RETURN_NULL();
	scale = DatumGetInt32(DirectFunctionCall1(numeric_scale,
											  NumericGetDatum(num)));
	PG_RETURN_NUMERIC(noisy_numeric(fcinfo, num, numeric_normalize(num),
									fraction, scale));
}

Datum
dpq_mask_noise_int4(PG_FUNCTION_ARGS)
{
	int32		value = PG_GETARG_INT32(0);
	float8		fraction = PG_GETARG_FLOAT8(1);
	char		canon[MAXINT8LEN + 1];
	float8		result;

	check_fraction(fraction);
	pg_ltoa(value, canon);
	/* exact: a double holds any int32 times a factor with room to spare */
	result = rint((float8) value * (1.0 + fraction * noise_unit(fcinfo, canon)));
	if (result >= (float8) PG_INT32_MAX)
		PG_RETURN_INT32(PG_INT32_MAX);
	if (result <= (float8) PG_INT32_MIN)
		PG_RETURN_INT32(PG_INT32_MIN);
	PG_RETURN_INT32((int32) result);
}

Datum
dpq_mask_noise_int8(PG_FUNCTION_ARGS)
{
	int64		value = PG_GETARG_INT64(0);
	float8		fraction = PG_GETARG_FLOAT8(1);
	char		canon[MAXINT8LEN + 1];
	Numeric		result;

	check_fraction(fraction);
	pg_lltoa(value, canon);
	/* numeric arithmetic: a double cannot hold every int64 */
	result = noisy_numeric(fcinfo, int64_to_numeric(value), canon, fraction, 0);
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(result),
										  NumericGetDatum(int64_to_numeric(PG_INT64_MAX)))) >= 0)
		PG_RETURN_INT64(PG_INT64_MAX);
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(result),
										  NumericGetDatum(int64_to_numeric(PG_INT64_MIN)))) <= 0)
		PG_RETURN_INT64(PG_INT64_MIN);
	PG_RETURN_DATUM(DirectFunctionCall1(numeric_int8, NumericGetDatum(result)));
}

Datum
dpq_mask_noise_float8(PG_FUNCTION_ARGS)
{
	float8		value = PG_GETARG_FLOAT8(0);
	float8		fraction = PG_GETARG_FLOAT8(1);
	Numeric		num;
	float8		result;

	check_fraction(fraction);
	if (isnan(value) || isinf(value))
		PG_RETURN_NULL();
	/* the same canonical text as the numeric of the same value */
	num = DatumGetNumeric(DirectFunctionCall1(float8_numeric,
											  Float8GetDatum(value)));
	result = value * (1.0 + fraction * noise_unit(fcinfo,
												  numeric_normalize(num)));
	if (isinf(result))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(result);
}

/* ------------------------------------------------------------------------
 * mask_redact(anyelement) -> anyelement: always NULL
 * ------------------------------------------------------------------------
 */
Datum
dpq_mask_redact(PG_FUNCTION_ARGS)
{
	PG_RETURN_NULL();
}

/* ------------------------------------------------------------------------
 * Key management
 * ------------------------------------------------------------------------
 */

/* _random_key() -> bytea: 32 bytes from pg_strong_random */
Datum
dpq_random_key(PG_FUNCTION_ARGS)
{
	bytea	   *result = (bytea *) palloc(VARHDRSZ + DPQ_RANDOM_KEY_LEN);

	SET_VARSIZE(result, VARHDRSZ + DPQ_RANDOM_KEY_LEN);
	if (!pg_strong_random(VARDATA(result), DPQ_RANDOM_KEY_LEN))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random masking key")));
	PG_RETURN_BYTEA_P(result);
}

/* Replace the row of dpq.mask_key (as the calling superuser) */
static void
store_key(Oid relid, bytea *key)
{
	char	   *relname = dpq_relation_name(relid);
	Oid			argtypes[1] = {BYTEAOID};
	Datum		values[1] = {PointerGetDatum(key)};

	dpq_spi_connect();
	dpq_spi_exec(psprintf("DELETE FROM %s", relname),
				 0, NULL, NULL, NULL, false, 0);
	dpq_spi_exec(psprintf("INSERT INTO %s (key, set_at, set_by) "
						  "VALUES ($1, pg_catalog.now(), CURRENT_USER)",
						  relname),
				 1, argtypes, values, NULL, false, 0);
	dpq_spi_finish();
}

/*
 * set_mask_key(text | bytea) -> void: superusers only.  The key's bytes
 * (a text's in the database encoding) become the HMAC key.  Neither the
 * key nor the statement that carries it appears in any message this
 * function raises (errhidestmt keeps the statement out of the log).
 */
Datum
dpq_set_mask_key(PG_FUNCTION_ARGS)
{
	bytea	   *key;
	int			len;
	Oid			relid;
	MemoryContext oldcxt = CurrentMemoryContext;

	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to set the masking key"),
				 errdetail("Only superusers may set the masking key."),
				 errhidestmt(true)));
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the masking key must not be null"),
				 errhidestmt(true)));
	key = PG_GETARG_BYTEA_PP(0);
	len = VARSIZE_ANY_EXHDR(key);
	if (len < DPQ_KEY_MIN_LEN || len > DPQ_KEY_MAX_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the masking key must be %d to %d bytes long",
						DPQ_KEY_MIN_LEN, DPQ_KEY_MAX_LEN),
				 errhidestmt(true)));
	relid = key_table_oid(fcinfo);

	/*
	 * A failing statement could describe the row it was writing: replace
	 * whatever went wrong by a message of our own (a cancel stays a cancel).
	 */
	PG_TRY();
	{
		store_key(relid, key);
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		int			code;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		code = edata->sqlerrcode;
		if (code == ERRCODE_QUERY_CANCELED || code == ERRCODE_ADMIN_SHUTDOWN)
			PG_RE_THROW();
		FlushErrorState();
		FreeErrorData(edata);
		ereport(ERROR,
				(errcode(code),
				 errmsg("could not store the masking key"),
				 errhidestmt(true),
				 errhidecontext(true)));
	}
	PG_END_TRY();

	/* the trigger does it too, unless triggers are disabled */
	CacheInvalidateRelcacheByRelid(relid);
	PG_RETURN_VOID();
}

/*
 * Statement trigger on dpq.mask_key: any change of its rows drops the
 * cached key in every backend (at commit) and in this one (at the next
 * command).
 */
Datum
dpq_mask_key_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired as a trigger",
						"dpq._mask_key_changed")));
	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}
