-- milestone-lsp: create the buffer-local :Milestone* commands whenever the milestone_lsp client
-- attaches. An LspAttach autocmd rather than the config's on_attach, so that a user's own
-- on_attach (which would replace ours in vim.lsp.config) keeps the commands.
if vim.g.loaded_milestone_lsp or vim.fn.has("nvim-0.11") ~= 1 then
  return
end
vim.g.loaded_milestone_lsp = true

vim.api.nvim_create_autocmd("LspAttach", {
  group = vim.api.nvim_create_augroup("milestone_lsp", { clear = true }),
  desc = "milestone-lsp: buffer-local :Milestone* commands",
  callback = function(ev)
    local client = vim.lsp.get_client_by_id(ev.data.client_id)
    if client and client.name == "milestone_lsp" then
      require("milestone_lsp").on_attach(client, ev.buf)
    end
  end,
})

-- A plugin manager may load this file after the server attached to a buffer already.
for _, client in ipairs(vim.lsp.get_clients({ name = "milestone_lsp" })) do
  for bufnr in pairs(client.attached_buffers) do
    require("milestone_lsp").on_attach(client, bufnr)
  end
end
