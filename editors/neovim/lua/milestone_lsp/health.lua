--- :checkhealth milestone_lsp — is the server installed, which version, is the config valid, is it
--- running? Every check runs the configured `cmd`, so a wrong path shows here as an ERROR rather
--- than as a server that silently never starts.

local M = {}

local health = vim.health
local NAME = "milestone_lsp"
local TIMEOUT_MS = 30000

--- The command prefix that runs the `milestone-lsp` CLI: the configured cmd without `serve` and
--- its options ({"milestone-lsp"} or {"/venv/bin/python", "-m", "milestone_lsp"}).
---@param cmd string[]
---@return string[]
local function cli_prefix(cmd)
  for i, part in ipairs(cmd) do
    if part == "serve" then
      return vim.list_slice(cmd, 1, i - 1)
    end
  end
  return { cmd[1] }
end

---@return vim.SystemCompleted? result, string? error
local function run(argv, opts)
  local ok, proc = pcall(vim.system, argv, vim.tbl_extend("force", { text = true }, opts or {}))
  if not ok then
    return nil, tostring(proc)
  end
  local result = proc:wait(TIMEOUT_MS)
  if result.code == 124 then
    return nil, ("timed out after %d s"):format(TIMEOUT_MS / 1000)
  end
  return result
end

local function first_line(text)
  return vim.trim(text or ""):match("[^\n]*") or ""
end

--- The folder whose settings apply: the current buffer's project, else the working directory.
local function project_root(config)
  local buf = vim.api.nvim_get_current_buf()
  local root
  if vim.api.nvim_buf_get_name(buf) ~= "" and vim.bo[buf].buftype == "" then
    root = vim.fs.root(buf, config.root_markers or { ".git" })
  end
  return root or vim.fn.getcwd()
end

--- The config file the server would read from `root` (mirrors config.find_config_file: the
--- nearest .milestone-lsp.toml, or pyproject.toml with a [tool.milestone-lsp] table; never above
--- the repository root). Informational: validity comes from the server itself.
local function config_file(root)
  for dir in vim.fs.parents(vim.fs.joinpath(root, "x")) do
    local own = vim.fs.joinpath(dir, ".milestone-lsp.toml")
    if vim.uv.fs_stat(own) then
      return own
    end
    local pyproject = vim.fs.joinpath(dir, "pyproject.toml")
    if vim.fn.filereadable(pyproject) == 1 then
      for _, line in ipairs(vim.fn.readfile(pyproject)) do
        if line:match("^%s*%[%s*tool%s*%.%s*[\"']?milestone%-lsp") then
          return pyproject
        end
      end
    end
    if vim.uv.fs_stat(vim.fs.joinpath(dir, ".git")) then
      return nil
    end
  end
end

local function check_executable(config)
  local cmd = config.cmd
  if type(cmd) == "function" then
    health.info("`cmd` is a function (an RPC connection): the executable checks are skipped")
    return nil
  end
  if type(cmd) ~= "table" or type(cmd[1]) ~= "string" or cmd[1] == "" then
    health.error("`cmd` is not set", { 'vim.lsp.config("milestone_lsp", { cmd = { "milestone-lsp", "serve" } })' })
    return nil
  end
  health.info("cmd: `" .. table.concat(cmd, " ") .. "`")
  if vim.fn.executable(cmd[1]) ~= 1 then
    health.error(
      ("`%s` is not executable (cmd[1] of the milestone_lsp config): the server cannot start, so "
        .. "markdown files get no milestone diagnostics"):format(cmd[1]),
      {
        "Install the server: `pipx install milestone-lsp` (puts `milestone-lsp` on PATH)",
        "Or point the config at a virtualenv that has it: "
          .. '`vim.lsp.config("milestone_lsp", { cmd = { "/path/to/venv/bin/milestone-lsp", "serve" } })`',
        "Check the interpreter or executable path for typos",
      }
    )
    return nil
  end
  health.ok(("`%s` found: %s"):format(cmd[1], vim.fn.exepath(cmd[1])))
  return cli_prefix(cmd)
end

local function check_version(prefix, config)
  local result, err = run(vim.list_extend(vim.deepcopy(prefix), { "--version" }), { env = config.cmd_env })
  if not result or result.code ~= 0 then
    local why = err or first_line(result.stderr) or ""
    health.error(
      ("`%s --version` failed%s"):format(table.concat(prefix, " "), why ~= "" and (": " .. why) or ""),
      { "The interpreter runs but cannot run milestone-lsp: install it into that environment (`pip install milestone-lsp`)" }
    )
    return false
  end
  health.ok("version: " .. first_line(result.stdout))
  return true
end

local function check_config(prefix, config)
  local root = project_root(config)
  local file = config_file(root)
  health.info(("project root: %s; config file: %s"):format(root, file or "none (defaults)"))
  -- `check -` with empty input validates the settings first and exits 2 with one stderr line per
  -- problem; the findings (to stdout) do not matter here.
  local argv = vim.list_extend(vim.deepcopy(prefix), { "check", "--exit-zero", "--format", "json", "-" })
  local result, err = run(argv, { cwd = root, stdin = "", env = config.cmd_env })
  if not result then
    health.warn("could not validate the settings: " .. err)
    return
  end
  if result.code == 0 then
    -- A rule key that names no rule is a finding (MS903) in the config file, not an error.
    local ok, decoded = pcall(vim.json.decode, result.stdout or "")
    local unknown = {}
    for _, finding in ipairs(ok and type(decoded) == "table" and decoded.findings or {}) do
      if finding.code == "MS903" then
        table.insert(unknown, finding.message)
      end
    end
    if #unknown > 0 then
      health.warn("config file " .. (file or "?") .. ": " .. table.concat(unknown, "; "), {
        "Correct the rule code or name (`milestone-lsp rules` lists them)",
      })
      return
    end
    health.ok(file and ("config file valid: " .. file) or "no config file: the defaults apply")
    return
  end
  local problems = {}
  for _, line in ipairs(vim.split(result.stderr or "", "\n")) do
    line = vim.trim(line):gsub("^milestone%-lsp: ", "")
    if line ~= "" then
      table.insert(problems, line)
    end
  end
  if result.code ~= 2 or (result.stderr or ""):find("internal error", 1, true) then
    local what = #problems > 0 and table.concat(problems, "; ") or ("exit code " .. result.code)
    health.error("the server failed while checking the workspace: " .. what, {
      "Run `" .. table.concat(argv, " ") .. "` in " .. root .. " with MILESTONE_LSP_DEBUG=1 and report it",
    })
    return
  end
  health.error(
    "invalid settings: " .. table.concat(problems, "; "),
    { "Fix the file; the server uses the defaults for the invalid keys until then" }
  )
end

local function check_clients()
  local clients = vim.lsp.get_clients({ name = NAME })
  if #clients == 0 then
    if vim.lsp.is_enabled and not vim.lsp.is_enabled(NAME) then
      health.warn('not enabled: call `vim.lsp.enable("milestone_lsp")` or `require("milestone_lsp").setup()`')
    else
      health.info("no milestone_lsp client running (it starts when a markdown file in a project opens)")
    end
    return
  end
  for _, client in ipairs(clients) do
    local info = client.server_info or {}
    health.ok(
      ("client %d running: %s %s, root %s, position encoding %s, %d buffer(s)"):format(
        client.id,
        info.name or "?",
        info.version or "",
        client.root_dir or "(none: single file)",
        client.offset_encoding,
        vim.tbl_count(client.attached_buffers)
      )
    )
    -- What the server itself runs with: its version, root, encoding and settings sources.
    local response = client:request_sync(
      "workspace/executeCommand",
      { command = "milestone-lsp.serverInfo", arguments = {} },
      TIMEOUT_MS
    )
    local server = response and response.result
    if type(server) == "table" and server.version then
      local editor = server.editorSettings or {}
      health.info(
        ("server %s: root %s, position encoding %s, %s diagnostics, %d document(s) indexed"):format(
          server.version,
          server.root ~= vim.NIL and server.root or "(none)",
          server.positionEncoding,
          server.diagnostics,
          server.indexedDocuments or 0
        )
      )
      health.info(
        ("settings source: config file %s; editor settings %s (the config file wins per key)"):format(
          server.configFile ~= vim.NIL and server.configFile or "none (defaults)",
          #editor > 0 and table.concat(editor, ", ") or "none"
        )
      )
    else
      local why = response and response.err and response.err.message or "no answer"
      health.warn("the server did not describe itself (milestone-lsp.serverInfo): " .. why)
    end
  end
end

function M.check()
  health.start("milestone-lsp")
  if vim.fn.has("nvim-0.11") ~= 1 then
    health.error("Neovim 0.11 or newer is needed (vim.lsp.config / vim.lsp.enable)")
    return
  end
  local config = vim.lsp.config[NAME]
  if not config then
    health.error("no `milestone_lsp` config: is editors/neovim on 'runtimepath'?", {
      "vim.opt.rtp:append('/path/to/milestone-lsp/editors/neovim')",
    })
    return
  end
  local prefix = check_executable(config)
  if prefix and check_version(prefix, config) then
    check_config(prefix, config)
  end
  check_clients()
end

return M
