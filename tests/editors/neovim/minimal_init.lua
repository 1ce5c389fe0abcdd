-- Minimal init for the headless Neovim test: only editors/neovim on the runtimepath (with
-- --clean, no user config or plugins), and the server run by the test's Python interpreter.
local input = vim.json.decode(table.concat(vim.fn.readfile(assert(os.getenv("MILESTONE_NVIM_TEST_INPUT"))), "\n"))

vim.opt.runtimepath:prepend(input.plugin_dir)
vim.opt.swapfile = false
vim.opt.shadafile = "NONE"

vim.lsp.config("milestone_lsp", { cmd = input.cmd })
vim.lsp.enable("milestone_lsp")

-- Record every publishDiagnostics per URI (an empty list included), so the test can tell
-- "published, nothing found" from "not published yet".
_G.milestone_test = { input = input, published = {} }
local publish = vim.lsp.handlers["textDocument/publishDiagnostics"]
vim.lsp.handlers["textDocument/publishDiagnostics"] = function(err, result, ctx)
  if result and result.uri then
    _G.milestone_test.published[result.uri] = #(result.diagnostics or {})
  end
  return publish(err, result, ctx)
end
