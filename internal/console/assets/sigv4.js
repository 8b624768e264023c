// AWS Signature Version 4 in the browser (Web Crypto), as the AWS SDKs sign
// rest-json requests: the server checks it in strict mode, and reads the
// access key (a 12-digit one is the caller's account) in permissive mode.

const encoder = new TextEncoder();

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function sha256Hex(data) {
  return hex(await crypto.subtle.digest("SHA-256", typeof data === "string" ? encoder.encode(data) : data));
}

async function hmac(key, data) {
  const raw = typeof key === "string" ? encoder.encode(key) : key;
  const k = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", k, encoder.encode(data));
}

// encode is RFC 3986 percent-encoding: unreserved characters stay.
function encode(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

// canonicalPath encodes each segment of an already escaped path once more,
// as SigV4 does for every service but S3.
function canonicalPath(escaped) {
  return escaped.split("/").map((segment) => encode(segment)).join("/") || "/";
}

function canonicalQuery(params) {
  return [...params.entries()]
    .map(([k, v]) => [encode(k), encode(v)])
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

// sign returns the headers that sign a request: Authorization, X-Amz-Date
// and X-Amz-Content-Sha256 (the body's hash).
export async function sign({ method, url, body = "", accessKey, secretKey, region = "us-east-1",
  service = "billingconductor", now = new Date() }) {
  const u = new URL(url, location.href);
  const amzDate = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const payload = await sha256Hex(body);
  const headers = { host: u.host, "x-amz-content-sha256": payload, "x-amz-date": amzDate };
  const signed = Object.keys(headers).sort();
  const canonical = [method, canonicalPath(u.pathname), canonicalQuery(u.searchParams),
    signed.map((h) => `${h}:${headers[h]}\n`).join(""), signed.join(";"), payload].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, await sha256Hex(canonical)].join("\n");
  let key = await hmac("AWS4" + secretKey, day);
  for (const part of [region, service, "aws4_request"]) key = await hmac(key, part);
  const signature = hex(await hmac(key, toSign));
  return {
    Authorization: `AWS4-HMAC-SHA256 Credential=${accessKey}/${scope}, SignedHeaders=${signed.join(";")}, Signature=${signature}`,
    "X-Amz-Date": amzDate,
    "X-Amz-Content-Sha256": payload,
  };
}
