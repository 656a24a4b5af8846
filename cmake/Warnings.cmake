# Warning and sanitizer flags shared by every grantor target.
add_compile_options(-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
if(GRANTOR_WARNINGS_AS_ERRORS)
  add_compile_options(-Werror)
endif()
if(GRANTOR_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
