/*
 * The ztkube CNI shim (issue #12; spec 07 §1, §1.11): the program a container runtime execs
 * on the host. It holds no state and needs nothing beyond libc: it checks the CNI env and the
 * stdin config, answers VERSION itself, and forwards everything else to the node agent over its
 * Unix socket, printing the agent's answer. What must work while the agent is down is decided
 * here: STATUS answers code 50, DEL succeeds (07 §1.8 item 3), ADD/CHECK/GC ask to try again (11).
 *
 * Wire to the agent (one request per connection): the shim writes one JSON object
 *   {"env":{"CNI_COMMAND":"…",…},"config":<stdin, verbatim>}
 * and half-closes; the agent answers "<exit code>\n<stdout bytes>" and closes.
 *
 * Errors are CNI error objects on stdout with exit 1, as the reference library expects (07 §1.7).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/run/ztkube/cni.sock"
#define MAX_STDIN_BYTES (16 * 1024 * 1024)
#define MAX_JSON_DEPTH 64
/* An ADD may wait for the agent to join a network; longer than that the runtime gives up anyway. */
#define AGENT_TIMEOUT_S 120

static const char *const SUPPORTED[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};
#define N_SUPPORTED (sizeof SUPPORTED / sizeof SUPPORTED[0])

/* The version errors are reported in: the config's, once it is known and supported. */
static const char *reply_version = "1.1.0";

/* ---- output ---------------------------------------------------------------------------- */

static void put_json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p == '\n') fputs("\\n", f);
    else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
    else fputc(*p, f);
  }
  fputc('"', f);
}

static void __attribute__((noreturn, format(printf, 2, 3))) fail(int code, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fputs("{\"cniVersion\":", stdout);
  put_json_string(stdout, reply_version);
  printf(",\"code\":%d,\"msg\":", code);
  put_json_string(stdout, msg);
  fputs("}\n", stdout);
  fflush(stdout);
  exit(1);
}

/* ---- a small JSON checker that also picks out top-level string members ----------------- */

struct picked {
  const char *key;
  char *value; /* malloc'd, NULL when absent */
  int is_present; /* present, maybe not a string */
};

struct parser {
  const char *p, *end;
  int depth;
};

static void skip_ws(struct parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

static int parse_value(struct parser *ps, char **string_out);

/* Parses a string at ps->p (which is '"'); when out is given, stores the decoded text
 * (\uXXXX outside ASCII is refused there: the values we read are versions, names and paths). */
static int parse_string(struct parser *ps, char **out) {
  ps->p++;
  size_t cap = 64, len = 0;
  char *buf = out ? malloc(cap) : NULL;
  if (out && !buf) return 0;
  while (ps->p < ps->end && *ps->p != '"') {
    unsigned char c = (unsigned char)*ps->p++;
    if (c < 0x20) goto bad;
    if (c == '\\') {
      if (ps->p >= ps->end) goto bad;
      char e = *ps->p++;
      switch (e) {
        case '"': case '\\': case '/': break;
        case 'b': e = '\b'; break;
        case 'f': e = '\f'; break;
        case 'n': e = '\n'; break;
        case 'r': e = '\r'; break;
        case 't': e = '\t'; break;
        case 'u': {
          unsigned v = 0;
          for (int i = 0; i < 4; i++) {
            if (ps->p >= ps->end) goto bad;
            char h = *ps->p++;
            v <<= 4;
            if (h >= '0' && h <= '9') v |= (unsigned)(h - '0');
            else if (h >= 'a' && h <= 'f') v |= (unsigned)(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') v |= (unsigned)(h - 'A' + 10);
            else goto bad;
          }
          if (out && (v == 0 || v > 0x7f)) goto bad;
          e = (char)v;
          break;
        }
        default: goto bad;
      }
      c = (unsigned char)e;
    }
    if (out) {
      if (len + 2 > cap) {
        cap *= 2;
        char *n = realloc(buf, cap);
        if (!n) goto bad;
        buf = n;
      }
      buf[len++] = (char)c;
    }
  }
  if (ps->p >= ps->end) goto bad;
  ps->p++;
  if (out) {
    buf[len] = 0;
    *out = buf;
  }
  return 1;
bad:
  free(buf);
  return 0;
}

static int parse_literal(struct parser *ps, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return 0;
  ps->p += n;
  return 1;
}

static int parse_number(struct parser *ps) {
  const char *start = ps->p;
  if (ps->p < ps->end && *ps->p == '-') ps->p++;
  int digits = 0;
  while (ps->p < ps->end && ((*ps->p >= '0' && *ps->p <= '9') || *ps->p == '.' || *ps->p == 'e' || *ps->p == 'E' || *ps->p == '+' || *ps->p == '-')) {
    ps->p++;
    digits++;
  }
  return digits > 0 && ps->p > start;
}

/* Parses an object; at depth 1 (the top level) fills in the picked members. */
static int parse_object(struct parser *ps, struct picked *picks, size_t npicks) {
  ps->p++;
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == '}') {
    ps->p++;
    return 1;
  }
  for (;;) {
    skip_ws(ps);
    if (ps->p >= ps->end || *ps->p != '"') return 0;
    char *key = NULL;
    if (!parse_string(ps, picks ? &key : NULL)) return 0;
    skip_ws(ps);
    if (ps->p >= ps->end || *ps->p != ':') { free(key); return 0; }
    ps->p++;
    skip_ws(ps);
    struct picked *hit = NULL;
    for (size_t i = 0; key && i < npicks; i++)
      if (strcmp(picks[i].key, key) == 0) hit = &picks[i];
    free(key);
    char *str = NULL;
    if (!parse_value(ps, hit ? &str : NULL)) return 0;
    if (hit) {
      free(hit->value);
      hit->value = str;
      hit->is_present = 1;
    }
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
    if (ps->p < ps->end && *ps->p == '}') { ps->p++; return 1; }
    return 0;
  }
}

static int parse_array(struct parser *ps) {
  ps->p++;
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == ']') { ps->p++; return 1; }
  for (;;) {
    skip_ws(ps);
    if (!parse_value(ps, NULL)) return 0;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
    if (ps->p < ps->end && *ps->p == ']') { ps->p++; return 1; }
    return 0;
  }
}

/* string_out: where a string value goes (left NULL when the value is not a string). */
static int parse_value(struct parser *ps, char **string_out) {
  if (ps->p >= ps->end) return 0;
  if (++ps->depth > MAX_JSON_DEPTH) return 0;
  int ok;
  switch (*ps->p) {
    case '{': ok = parse_object(ps, NULL, 0); break;
    case '[': ok = parse_array(ps); break;
    case '"': ok = parse_string(ps, string_out); break;
    case 't': ok = parse_literal(ps, "true"); break;
    case 'f': ok = parse_literal(ps, "false"); break;
    case 'n': ok = parse_literal(ps, "null"); break;
    default: ok = parse_number(ps); break;
  }
  ps->depth--;
  return ok;
}

/* Checks that text is one JSON object and picks its top-level members. */
static int parse_config(const char *text, size_t len, struct picked *picks, size_t npicks) {
  struct parser ps = {text, text + len, 1};
  skip_ws(&ps);
  if (ps.p >= ps.end || *ps.p != '{') return 0;
  if (!parse_object(&ps, picks, npicks)) return 0;
  skip_ws(&ps);
  return ps.p == ps.end;
}

/* ---- input ------------------------------------------------------------------------------ */

static char *read_stdin(size_t *len_out) {
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap + 1);
  if (!buf) fail(5, "out of memory reading the config on stdin");
  for (;;) {
    if (len == cap) {
      if (cap >= MAX_STDIN_BYTES) fail(5, "the config on stdin is larger than %d bytes", MAX_STDIN_BYTES);
      cap *= 2;
      char *n = realloc(buf, cap + 1);
      if (!n) fail(5, "out of memory reading the config on stdin");
      buf = n;
    }
    ssize_t r = read(0, buf + len, cap - len);
    if (r == 0) break;
    if (r < 0) {
      if (errno == EINTR) continue;
      fail(5, "reading the config on stdin failed: %s", strerror(errno));
    }
    len += (size_t)r;
  }
  buf[len] = 0;
  *len_out = len;
  return buf;
}

static int is_supported(const char *v) {
  for (size_t i = 0; i < N_SUPPORTED; i++)
    if (strcmp(SUPPORTED[i], v) == 0) return 1;
  return 0;
}

/* A semantic version a.b.c with numbers only. */
static int is_version_string(const char *v) {
  int parts = 0, digits = 0;
  for (const char *p = v;; p++) {
    if (*p >= '0' && *p <= '9') digits++;
    else if ((*p == '.' || *p == 0) && digits > 0) { parts++; digits = 0; if (!*p) break; }
    else return 0;
  }
  return parts == 3;
}

static int is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* 07 §1.2: first char alphanumeric, the rest [A-Za-z0-9_.-]. */
static int is_valid_container_id(const char *s) {
  if (!s[0] || !is_name_char(s[0]) || s[0] == '_' || s[0] == '.' || s[0] == '-') return 0;
  for (const char *p = s; *p; p++)
    if (!is_name_char(*p)) return 0;
  return 1;
}

/* 07 §1.2: a Linux interface name. */
static int is_valid_ifname(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n >= 16 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0) return 0;
  for (const char *p = s; *p; p++)
    if (*p == '/' || *p == ':' || *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' || *p == '\f') return 0;
  return 1;
}

static const char *env_or_empty(const char *name) {
  const char *v = getenv(name);
  return v ? v : "";
}

/* ---- the verbs --------------------------------------------------------------------------- */

static void print_version(const char *stdin_text, size_t len) {
  struct picked picks[] = {{"cniVersion", NULL, 0}};
  const char *in_use = "1.1.0";
  /* VERSION's stdin is optional; when it names a version, answer in it. */
  if (len > 0 && parse_config(stdin_text, len, picks, 1) && picks[0].value && is_version_string(picks[0].value))
    in_use = picks[0].value;
  fputs("{\"cniVersion\":", stdout);
  put_json_string(stdout, in_use);
  fputs(",\"supportedVersions\":[", stdout);
  for (size_t i = 0; i < N_SUPPORTED; i++) printf("%s\"%s\"", i ? "," : "", SUPPORTED[i]);
  fputs("]}\n", stdout);
}

static const char *const FORWARDED_ENV[] = {"CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS", "CNI_PATH"};

static int write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t w = write(fd, buf, len);
    if (w < 0) {
      if (errno == EINTR) continue;
      return 0;
    }
    buf += w;
    len -= (size_t)w;
  }
  return 1;
}

/* Sends the request; returns the agent's reply (malloc'd) or NULL with errno-ish text in why. */
static char *ask_agent(const char *socket_path, const char *config, size_t config_len, size_t *reply_len, char *why, size_t why_len) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(socket_path) >= sizeof sa.sun_path) {
    snprintf(why, why_len, "the socket path is longer than %zu bytes", sizeof sa.sun_path - 1);
    return NULL;
  }
  strcpy(sa.sun_path, socket_path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    snprintf(why, why_len, "%s", strerror(errno));
    return NULL;
  }
  struct timeval tv = {.tv_sec = AGENT_TIMEOUT_S};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    snprintf(why, why_len, "%s", strerror(errno));
    close(fd);
    return NULL;
  }
  /* The env values are escaped here; the config is already checked JSON and goes verbatim. */
  char *head = NULL;
  size_t head_len = 0;
  FILE *h = open_memstream(&head, &head_len);
  if (!h) {
    snprintf(why, why_len, "out of memory");
    close(fd);
    return NULL;
  }
  fputs("{\"env\":{", h);
  int first = 1;
  for (size_t i = 0; i < sizeof FORWARDED_ENV / sizeof FORWARDED_ENV[0]; i++) {
    const char *v = getenv(FORWARDED_ENV[i]);
    if (!v) continue;
    fprintf(h, "%s\"%s\":", first ? "" : ",", FORWARDED_ENV[i]);
    put_json_string(h, v);
    first = 0;
  }
  fputs("},\"config\":", h);
  fclose(h);
  int sent = write_all(fd, head, head_len) && write_all(fd, config, config_len) && write_all(fd, "}\n", 2);
  free(head);
  if (!sent) {
    snprintf(why, why_len, "sending the request failed: %s", strerror(errno));
    close(fd);
    return NULL;
  }
  shutdown(fd, SHUT_WR);
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap + 1);
  for (;;) {
    if (!buf) break;
    if (len == cap) {
      cap *= 2;
      char *n = realloc(buf, cap + 1);
      if (!n) { free(buf); buf = NULL; break; }
      buf = n;
    }
    ssize_t r = read(fd, buf + len, cap - len);
    if (r == 0) break;
    if (r < 0) {
      if (errno == EINTR) continue;
      snprintf(why, why_len, errno == EAGAIN ? "no answer within %d s" : "reading the answer failed", AGENT_TIMEOUT_S);
      free(buf);
      close(fd);
      return NULL;
    }
    len += (size_t)r;
  }
  close(fd);
  if (!buf || len == 0) {
    snprintf(why, why_len, "the agent closed the connection without an answer");
    free(buf);
    return NULL;
  }
  buf[len] = 0;
  *reply_len = len;
  return buf;
}

int main(void) {
  const char *command = getenv("CNI_COMMAND");
  if (!command || !*command) fail(4, "CNI_COMMAND is not set");
  int is_add = !strcmp(command, "ADD"), is_del = !strcmp(command, "DEL"), is_check = !strcmp(command, "CHECK");
  int is_status = !strcmp(command, "STATUS"), is_gc = !strcmp(command, "GC"), is_version = !strcmp(command, "VERSION");
  if (!(is_add || is_del || is_check || is_status || is_gc || is_version))
    fail(4, "CNI_COMMAND must be one of ADD, DEL, CHECK, STATUS, GC, VERSION, got \"%.64s\"", command);

  size_t len = 0;
  char *text = read_stdin(&len);
  if (is_version) {
    print_version(text, len);
    return 0;
  }

  struct picked picks[] = {{"cniVersion", NULL, 0}, {"name", NULL, 0}, {"socket", NULL, 0}};
  if (!parse_config(text, len, picks, 3)) fail(6, "the config on stdin is not a JSON object");
  const char *version = picks[0].value;
  if (!version) fail(7, picks[0].is_present ? "config: cniVersion must be a string" : "config: cniVersion is missing");
  if (!is_version_string(version)) fail(6, "config: cniVersion \"%.32s\" is not a version", version);
  if (!is_supported(version)) fail(1, "config: cniVersion %.32s is not supported (supported: 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0)", version);
  reply_version = version;
  /* 07 §1.1: CHECK came with 0.4.0, STATUS and GC with 1.1.0 (the supported list is in order). */
  const char *since = is_check ? "0.4.0" : (is_status || is_gc) ? "1.1.0" : NULL;
  if (since) {
    size_t vi = 0, si = 0;
    for (size_t i = 0; i < N_SUPPORTED; i++) {
      if (!strcmp(SUPPORTED[i], version)) vi = i;
      if (!strcmp(SUPPORTED[i], since)) si = i;
    }
    if (vi < si) fail(1, "config: cniVersion %s has no %s; it needs %s or later", version, command, since);
  }
  if (!picks[1].value || !*picks[1].value) fail(7, "config: name must be a non-empty string");
  if (picks[2].is_present && (!picks[2].value || picks[2].value[0] != '/'))
    fail(7, "config: socket must be an absolute path");
  const char *socket_path = picks[2].value ? picks[2].value : DEFAULT_SOCKET;

  /* 07 §1.2: which variables each verb needs. CNI_NETNS is optional on DEL. */
  if (is_add || is_del || is_check) {
    const char *id = env_or_empty("CNI_CONTAINERID"), *ifname = env_or_empty("CNI_IFNAME");
    if (!*id) fail(4, "CNI_CONTAINERID is not set");
    if (!is_valid_container_id(id)) fail(4, "CNI_CONTAINERID \"%.80s\" must start with a letter or digit and hold only letters, digits, _ . -", id);
    if (!*ifname) fail(4, "CNI_IFNAME is not set");
    if (!is_valid_ifname(ifname)) fail(4, "CNI_IFNAME \"%.32s\" is not a valid interface name", ifname);
    if (!is_del && !*env_or_empty("CNI_NETNS")) fail(4, "CNI_NETNS is not set");
  }

  char why[256] = "";
  size_t reply_len = 0;
  char *reply = ask_agent(socket_path, text, len, &reply_len, why, sizeof why);
  if (!reply) {
    if (is_del) {
      /* 07 §1.8 item 3: pod teardown must not hang on the agent; it cleans up by GC when back. */
      fprintf(stderr, "ztkube: DEL with the agent unreachable at %s (%s); nothing to clean up here\n", socket_path, why);
      return 0;
    }
    if (is_status) fail(50, "the ztkube agent is not reachable at %s: %s", socket_path, why);
    fail(11, "the ztkube agent is not reachable at %s: %s", socket_path, why);
  }
  char *nl = memchr(reply, '\n', reply_len);
  char *endp = NULL;
  long code = nl ? strtol(reply, &endp, 10) : -1;
  if (!nl || endp != nl || code < 0 || code > 255) {
    if (is_del) {
      fprintf(stderr, "ztkube: DEL: the agent's answer is malformed; treated as done\n");
      return 0;
    }
    fail(11, "the ztkube agent at %s gave a malformed answer", socket_path);
  }
  size_t body = (size_t)(nl + 1 - reply);
  write_all(1, nl + 1, reply_len - body);
  return (int)code;
}
