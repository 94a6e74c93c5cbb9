// SPDX-License-Identifier: MIT
// Linux errno values (include/uapi/asm-generic/errno-base.h, errno.h).
export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const EIO = 5;
export const ENXIO = 6;
export const E2BIG = 7;
export const ENOEXEC = 8;
export const EBADF = 9;
export const ECHILD = 10;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const EXDEV = 18;
export const ENODEV = 19;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const EINVAL = 22;
const ENFILE = 23;
export const EMFILE = 24;
export const ENOTTY = 25;
export const ETXTBSY = 26;
export const EFBIG = 27;
const ENOSPC = 28;
export const ESPIPE = 29;
const EROFS = 30;
const EMLINK = 31;
export const EPIPE = 32;
export const ERANGE = 34;
export const ENAMETOOLONG = 36;
export const ENOSYS = 38;
export const ENOTEMPTY = 39;
export const ELOOP = 40;
export const ENODATA = 61;
const EOVERFLOW = 75;
export const ENOTSOCK = 88;
export const ENOTSUP = 95;
export const ETIMEDOUT = 110;
export const EDESTADDRREQ = 89;
export const EMSGSIZE = 90;
export const EPROTOTYPE = 91;
export const ENOPROTOOPT = 92;
export const EPROTONOSUPPORT = 93;
export const ESOCKTNOSUPPORT = 94;
export const EAFNOSUPPORT = 97;
export const EADDRINUSE = 98;
const EADDRNOTAVAIL = 99;
const ENETUNREACH = 101;
const ECONNABORTED = 103;
export const ECONNRESET = 104;
const ENOBUFS = 105;
export const EISCONN = 106;
export const ENOTCONN = 107;
const ESHUTDOWN = 108;
export const ECONNREFUSED = 111;
const EHOSTUNREACH = 113;
export const EALREADY = 114;
export const EINPROGRESS = 115;

/** Host error codes (Node's err.code) to Linux errno values. */
export const ERRNO_BY_NAME: Readonly<Record<string, number>> = {
  EPERM,
  ENOENT,
  ESRCH,
  EINTR,
  EIO,
  ENXIO,
  E2BIG,
  ENOEXEC,
  EBADF,
  ECHILD,
  EAGAIN,
  ENOMEM,
  EACCES,
  EFAULT,
  EBUSY,
  EEXIST,
  EXDEV,
  ENODEV,
  ENOTDIR,
  EISDIR,
  EINVAL,
  ENFILE,
  EMFILE,
  ENOTTY,
  EFBIG,
  ENOSPC,
  ESPIPE,
  EROFS,
  EMLINK,
  EPIPE,
  ERANGE,
  ENAMETOOLONG,
  ENOSYS,
  ENOTEMPTY,
  ELOOP,
  ENODATA,
  EOVERFLOW,
  ENOTSOCK,
  ENOTSUP,
  ETIMEDOUT,
  EDESTADDRREQ,
  EMSGSIZE,
  EPROTOTYPE,
  ENOPROTOOPT,
  EPROTONOSUPPORT,
  ESOCKTNOSUPPORT,
  EAFNOSUPPORT,
  EADDRINUSE,
  EADDRNOTAVAIL,
  ENETUNREACH,
  ECONNABORTED,
  ECONNRESET,
  ENOBUFS,
  EISCONN,
  ENOTCONN,
  ESHUTDOWN,
  ECONNREFUSED,
  EHOSTUNREACH,
  EALREADY,
  EINPROGRESS,
};

export const ERRNO_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(ERRNO_BY_NAME).map(([k, v]) => [v, k]),
);

/** strerror(3) text of each errno (what strace prints after the name). */
export const ERRNO_TEXT: Readonly<Record<number, string>> = {
  [EPERM]: "Operation not permitted",
  [ENOENT]: "No such file or directory",
  [ESRCH]: "No such process",
  [EINTR]: "Interrupted system call",
  [EIO]: "Input/output error",
  [ENXIO]: "No such device or address",
  [E2BIG]: "Argument list too long",
  [ENOEXEC]: "Exec format error",
  [EBADF]: "Bad file descriptor",
  [ECHILD]: "No child processes",
  [EAGAIN]: "Resource temporarily unavailable",
  [ENOMEM]: "Cannot allocate memory",
  [EACCES]: "Permission denied",
  [EFAULT]: "Bad address",
  [EBUSY]: "Device or resource busy",
  [EEXIST]: "File exists",
  [EXDEV]: "Invalid cross-device link",
  [ENODEV]: "No such device",
  [ENOTDIR]: "Not a directory",
  [EISDIR]: "Is a directory",
  [EINVAL]: "Invalid argument",
  [ENFILE]: "Too many open files in system",
  [EMFILE]: "Too many open files",
  [ENOTTY]: "Inappropriate ioctl for device",
  [ETXTBSY]: "Text file busy",
  [EFBIG]: "File too large",
  [ENOSPC]: "No space left on device",
  [ESPIPE]: "Illegal seek",
  [EROFS]: "Read-only file system",
  [EMLINK]: "Too many links",
  [EPIPE]: "Broken pipe",
  [ERANGE]: "Numerical result out of range",
  [ENAMETOOLONG]: "File name too long",
  [ENOSYS]: "Function not implemented",
  [ENOTEMPTY]: "Directory not empty",
  [ELOOP]: "Too many levels of symbolic links",
  [ENODATA]: "No data available",
  [EOVERFLOW]: "Value too large for defined data type",
  [ENOTSOCK]: "Socket operation on non-socket",
  [ENOTSUP]: "Operation not supported",
  [ETIMEDOUT]: "Connection timed out",
  [EDESTADDRREQ]: "Destination address required",
  [EMSGSIZE]: "Message too long",
  [EPROTOTYPE]: "Protocol wrong type for socket",
  [ENOPROTOOPT]: "Protocol not available",
  [EPROTONOSUPPORT]: "Protocol not supported",
  [ESOCKTNOSUPPORT]: "Socket type not supported",
  [EAFNOSUPPORT]: "Address family not supported by protocol",
  [EADDRINUSE]: "Address already in use",
  [EADDRNOTAVAIL]: "Cannot assign requested address",
  [ENETUNREACH]: "Network is unreachable",
  [ECONNABORTED]: "Software caused connection abort",
  [ECONNRESET]: "Connection reset by peer",
  [ENOBUFS]: "No buffer space available",
  [EISCONN]: "Transport endpoint is already connected",
  [ENOTCONN]: "Transport endpoint is not connected",
  [ESHUTDOWN]: "Cannot send after transport endpoint shutdown",
  [ECONNREFUSED]: "Connection refused",
  [EHOSTUNREACH]: "No route to host",
  [EALREADY]: "Operation already in progress",
  [EINPROGRESS]: "Operation now in progress",
};
