/**
 * Python 2 names that CPython 3 rewrites when unpickling protocol < 3 with fix_imports=True
 * (Lib/_compat_pickle.py). The classifier judges both the written and the rewritten name, so an
 * alias can neither hide a denied target nor miss an allowed one.
 */
const IMPORT_MAPPING: ReadonlyMap<string, string> = new Map([
  ['__builtin__', 'builtins'],
  ['exceptions', 'builtins'],
  ['copy_reg', 'copyreg'],
  ['cPickle', 'pickle'],
  ['commands', 'subprocess'],
  ['urllib2', 'urllib.request'],
  ['urlparse', 'urllib.parse'],
  ['httplib', 'http.client'],
  ['cookielib', 'http.cookiejar'],
  ['Cookie', 'http.cookies'],
  ['BaseHTTPServer', 'http.server'],
  ['SimpleHTTPServer', 'http.server'],
  ['CGIHTTPServer', 'http.server'],
  ['SocketServer', 'socketserver'],
  ['xmlrpclib', 'xmlrpc.client'],
  ['SimpleXMLRPCServer', 'xmlrpc.server'],
  ['thread', '_thread'],
  ['dummy_thread', '_dummy_thread'],
  ['Queue', 'queue'],
  ['StringIO', 'io'],
  ['cStringIO', 'io'],
  ['UserDict', 'collections'],
  ['UserList', 'collections'],
  ['UserString', 'collections'],
  ['_abcoll', 'collections.abc'],
  ['ConfigParser', 'configparser'],
  ['repr', 'reprlib'],
  ['anydbm', 'dbm'],
  ['whichdb', 'dbm'],
  ['dumbdbm', 'dbm.dumb'],
  ['gdbm', 'dbm.gnu'],
  ['dbhash', 'dbm.bsd'],
  ['Tkinter', 'tkinter'],
  ['test.test_support', 'test.support'],
]);

const NAME_MAPPING: ReadonlyMap<string, [string, string]> = new Map([
  ['__builtin__.xrange', ['builtins', 'range']],
  ['__builtin__.reduce', ['functools', 'reduce']],
  ['__builtin__.intern', ['sys', 'intern']],
  ['__builtin__.unichr', ['builtins', 'chr']],
  ['__builtin__.unicode', ['builtins', 'str']],
  ['__builtin__.basestring', ['builtins', 'str']],
  ['__builtin__.long', ['builtins', 'int']],
  ['itertools.izip', ['builtins', 'zip']],
  ['itertools.imap', ['builtins', 'map']],
  ['itertools.ifilter', ['builtins', 'filter']],
  ['_socket.fromfd', ['socket', 'fromfd']],
  ['_multiprocessing.Connection', ['multiprocessing.connection', 'Connection']],
  ['multiprocessing.process.Process', ['multiprocessing.context', 'Process']],
  ['multiprocessing.forking.Popen', ['multiprocessing.popen_fork', 'Popen']],
  ['UserDict.UserDict', ['collections', 'UserDict']],
  ['UserDict.IterableUserDict', ['collections', 'UserDict']],
  ['UserList.UserList', ['collections', 'UserList']],
  ['UserString.UserString', ['collections', 'UserString']],
]);

/** The (module, name) pairs a loader might resolve for one reference: as written, and as rewritten. */
export function nameVariants(module: string, name: string): Array<[string, string]> {
  const variants: Array<[string, string]> = [[module, name]];
  const renamed = NAME_MAPPING.get(`${module}.${name}`);
  if (renamed) variants.push(renamed);
  else {
    const mapped = IMPORT_MAPPING.get(module);
    if (mapped) variants.push([mapped, name]);
  }
  return variants;
}
