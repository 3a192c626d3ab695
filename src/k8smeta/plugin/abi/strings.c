/* String copies of the hot paths (part of the cffi preamble, after boot.c). */

/* Copy `src` into `dst` of `size` (> 0) bytes, cut to fit and NUL-terminated, as
 * snprintf(dst, size, "%s", src) does without its formatting cost; returns the bytes
 * copied (NUL not included). */
static size_t k8smeta_copy_cut(char* dst, size_t size, const char* src) {
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
    return n;
}
