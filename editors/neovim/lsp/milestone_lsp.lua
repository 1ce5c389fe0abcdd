-- milestone-lsp: language server for milestone, deliverable and STATUS.md documents.
--
-- A Neovim 0.11 server config (see :help lsp-config). With this folder on 'runtimepath':
--
--   vim.lsp.enable("milestone_lsp")
--
-- The server must be installed (`pipx install milestone-lsp`). To use one from a virtualenv
-- instead of PATH, override `cmd` before enabling:
--
--   vim.lsp.config("milestone_lsp", { cmd = { "/path/to/venv/bin/milestone-lsp", "serve" } })
--   -- or, equivalently, through the venv's interpreter:
--   vim.lsp.config("milestone_lsp", { cmd = { "/path/to/venv/bin/python", "-m", "milestone_lsp", "serve" } })
--
-- Settings use the same camelCase keys as the VS Code extension and the config file's
-- [tool.milestone-lsp] table (which wins where both set a key), e.g.
--
--   vim.lsp.config("milestone_lsp", { settings = { milestoneLsp = { progressMethod = "deliverables" } } })
--
-- The :Milestone* commands are created on LspAttach by plugin/milestone_lsp.lua; see
-- :help milestone-lsp.

---@type vim.lsp.Config
return {
  cmd = { "milestone-lsp", "serve" },
  filetypes = { "markdown" },
  -- The first marker found upward wins: a project's own config file, then pyproject.toml, then
  -- the repository root (the server looks for its config file the same way).
  root_markers = { ".milestone-lsp.toml", "pyproject.toml", ".git" },
  -- vim.empty_dict(): an empty Lua table would be sent as a JSON array ([]), which is not a
  -- settings object; an empty dict is sent as {}. Keys put here by vim.lsp.config() merge into it.
  settings = { milestoneLsp = vim.empty_dict() },
  -- :MilestoneRename sends these itself (Neovim's client does not): the server then announces
  -- the file operations it follows.
  capabilities = {
    workspace = { fileOperations = { willRename = true, didRename = true } },
  },
}
