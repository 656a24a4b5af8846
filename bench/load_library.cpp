// grantor_load_library: loads the shared library named in $GRANTOR_LOAD with RTLD_NOW, as a hook
// that reaches a server loads its engine plugin, and exits 0 (1, with the reason on stderr, when
// it cannot). bench/hook_start.cpp measures its peak RSS: what a library and its dependencies
// cost a hook process by themselves. Linked with the C library only.
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

int main() {
  const char* path = std::getenv("GRANTOR_LOAD");
  if (path == nullptr) {
    std::fprintf(stderr, "grantor_load_library: GRANTOR_LOAD is not set\n");
    return 1;
  }
  if (::dlopen(path, RTLD_NOW | RTLD_LOCAL) == nullptr) {
    std::fprintf(stderr, "grantor_load_library: %s\n", ::dlerror());
    return 1;
  }
  return 0;
}
